"""Grounded question answering over documents: verbatim quotes with checkable citations, or abstention."""
from .answer import Answer, Citation
from .documents import DocumentError
from .embedder import ModelError
from .pipeline import Bot, ask

__all__ = ["ask", "Bot", "Answer", "Citation", "DocumentError", "ModelError"]
