"""The CRM's domain operations: plain functions ``(session, actor, ...)``,
one module per concept. Routes, the API and jobs call these; none holds
rules of its own."""
