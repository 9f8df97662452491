-- name: messages-by-day
-- description: Messages per channel per UTC day, with thread replies, bot messages and distinct authors
--
-- Days are UTC days (the session time zone). Bot messages are those with a
-- bot_id or the bot_message subtype.
SELECT
	m.posted_at::DATE AS day,
	c.name            AS channel,
	m.channel_id,
	count(*)          AS messages,
	count(*) FILTER (WHERE m.thread_ts IS NOT NULL AND m.thread_ts <> m.ts) AS thread_replies,
	count(*) FILTER (WHERE m.bot_id IS NOT NULL OR m.subtype = 'bot_message') AS bot_messages,
	count(DISTINCT m.user_id) AS authors
FROM messages AS m
LEFT JOIN channels AS c ON c.channel_id = m.channel_id
GROUP BY day, c.name, m.channel_id
ORDER BY day DESC, channel, m.channel_id;
