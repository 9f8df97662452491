-- name: channels
-- description: Ingested channels with message and thread-reply counts, first and last message, last ingest
--
-- One row per channel in the warehouse, most recently active first.
-- thread_replies counts replies inside threads (thread_ts set and not the
-- message's own ts); messages counts every stored message, replies included.
SELECT
	c.name                       AS channel,
	c.channel_id,
	c.is_private,
	c.is_archived,
	count(m.ts)                  AS messages,
	count(m.ts) FILTER (WHERE m.thread_ts IS NOT NULL AND m.thread_ts <> m.ts) AS thread_replies,
	min(m.posted_at)             AS first_message_at,
	max(m.posted_at)             AS last_message_at,
	s.last_ingested_at,
	s.last_source
FROM channels AS c
LEFT JOIN messages AS m ON m.channel_id = c.channel_id
LEFT JOIN channel_state AS s ON s.channel_id = c.channel_id
GROUP BY c.name, c.channel_id, c.is_private, c.is_archived, s.last_ingested_at, s.last_source
ORDER BY last_message_at DESC NULLS LAST, channel;
