"""Evaluation: fact questions, their scoring and modes; held-out loss, F1/ROUGE-L; figures.

facts.py, questions.py, scoring.py, judge.py   what the adapter knows (four modes, LLM judge)
suite.py, loss.py, metrics.py                  base vs adapter on held-out pairs and text
plots.py, compare.py                           loss.png / eval.png, the sweep summary
"""
