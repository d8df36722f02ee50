"""Domain operations of the activity plugin: plain functions taking
``(session, actor, ...)``. One module per concept; other plugins use
:mod:`plugins.activity.api`, which re-exports what they may call."""
