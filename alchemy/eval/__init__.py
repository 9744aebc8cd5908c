"""Knowledge evaluation: fact questions, their scoring, and the modes they are asked in."""
