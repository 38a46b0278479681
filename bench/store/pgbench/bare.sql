-- One event in its own transaction, nothing else: no lock, no condition, no function (pipelined:
-- BEGIN, INSERT, COMMIT in one round trip). The ceiling of any conditional append.
\startpipeline
BEGIN;
INSERT INTO events (event_id, type, time, tags, metadata, data) SELECT gen_random_uuid(), 'ISSUE.ASSIGNED.SUCCESS', now(), jsonb_build_object('issueId', 'own-' || :client_id::text, 'userId', 'u-1'), '{"tags": "issueId=own&userId=u-1", "source": "/bench"}', '{"id": "01a24c57-e979-72c5-9ba0-5b592d5f3dae", "data": {"attempt": 1, "assignee": "evs-bot"}, "type": "ISSUE.ASSIGNED.SUCCESS", "metadata": {"eventSource": "system", "workflowVersion": "1.2.0"}, "timestamp": "2026-12-06T17:12:39.545Z"}';
COMMIT;
\endpipeline
