"""Pipes: operators (leaves) and controllers, run over a working memory."""
