"""Domain operations of the exhibitions: plain functions taking (session, actor, ...)."""
