"""Learned rewards and model helpers (extra ``train``: torch, transformers)."""
