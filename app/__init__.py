"""Byline: a post scheduler where nobody speaks for a brand anonymously."""
