"""jieba tokenizers of ParkBrain's own: the global one is left alone, so one capability's
`add_word` cannot change another's terms.

>>> tokenizer = private_tokenizer(("智能传感器",))
>>> "智能传感器" in tokenizer.lcut("研发智能传感器芯片")
True
"""

from __future__ import annotations

import logging
import threading
from functools import cache

import jieba

_LOCK = threading.Lock()  # initialising two tokenizers at once races on jieba's dictionary cache


@cache
def private_tokenizer(words: tuple[str, ...] = ()) -> jieba.Tokenizer:
    """A loaded jieba tokenizer that keeps each of `words` whole (one per distinct word list)."""
    tokenizer = jieba.Tokenizer()
    logger = logging.getLogger("jieba")
    level = logger.level
    logger.setLevel(logging.WARNING)  # jieba announces its dictionary on stderr at DEBUG
    try:
        with _LOCK:
            tokenizer.initialize()
    finally:
        logger.setLevel(level)
    for word in words:
        # One more than the frequency that makes the word win against its own pieces.
        tokenizer.add_word(word, freq=tokenizer.suggest_freq(word, False) + 1)
    return tokenizer
