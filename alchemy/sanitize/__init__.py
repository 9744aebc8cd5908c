"""Secret and PII masking: detectors, a consistent pseudonymiser and a leak check."""

from alchemy.sanitize.masker import Sanitizer

__all__ = ["Sanitizer"]
