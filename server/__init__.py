"""Kinhaven: the application that joins the federation and moderation packages."""
