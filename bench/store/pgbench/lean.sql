-- The leanest conditional append: the lock keys hashed by the client and taken by ten literal calls
-- (four bulk slots and five event keys shared, the condition's key exclusive), then the check and the
-- insert in one statement (a new snapshot after the locks), pipelined in one round trip; no function,
-- no JSON parameters. The check scans the last 20 positions for a tag no event has (it never fails).
\startpipeline
BEGIN;
SELECT pg_advisory_xact_lock_shared(-4), pg_advisory_xact_lock_shared(-3), pg_advisory_xact_lock_shared(-2), pg_advisory_xact_lock_shared(-1), pg_advisory_xact_lock_shared(11 + :client_id * 100), pg_advisory_xact_lock_shared(12 + :client_id * 100), pg_advisory_xact_lock_shared(13), pg_advisory_xact_lock_shared(14), pg_advisory_xact_lock_shared(15 + :client_id * 100), pg_advisory_xact_lock(16 + :client_id * 100);
INSERT INTO events (event_id, type, time, tags, metadata, data) SELECT gen_random_uuid(), 'ISSUE.ASSIGNED.SUCCESS', now(), jsonb_build_object('issueId', 'own-' || :client_id::text, 'userId', 'u-1'), '{"tags": "issueId=own&userId=u-1", "source": "/bench"}', '{"id": "01a24c57-e979-72c5-9ba0-5b592d5f3dae", "data": {"attempt": 1, "assignee": "evs-bot"}, "type": "ISSUE.ASSIGNED.SUCCESS", "metadata": {"eventSource": "system", "workflowVersion": "1.2.0"}, "timestamp": "2026-12-06T17:12:39.545Z"}' WHERE (SELECT min(e.position) FROM events e WHERE e.position > (SELECT max(position) - 20 FROM events) AND e.type = ANY (ARRAY['ISSUE.ASSIGNED.SUCCESS']) AND CASE WHEN e.tags @> jsonb_build_object('issueId', 'never-' || :client_id::text) THEN true ELSE false END) IS NULL RETURNING position;
COMMIT;
\endpipeline
