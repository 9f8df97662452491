-- name: bot-activity
-- description: Messages per bot, app and posting name, to help write the alert-bot lists in the configuration
--
-- A message counts as a bot's when it has a bot_id or app_id, has the
-- bot_message subtype, or its author is a bot user. username is the name a
-- bot or webhook posted under; bot_user is the Slack user behind it, if any.
SELECT
	coalesce(m.username, u.real_name, u.name) AS name,
	m.bot_id,
	m.app_id,
	m.username,
	u.name                          AS bot_user,
	count(*)                        AS messages,
	count(DISTINCT m.channel_id)    AS channels,
	min(m.posted_at)                AS first_at,
	max(m.posted_at)                AS last_at,
	arg_max(left(m.text, 80), m.posted_at) AS latest_text
FROM messages AS m
LEFT JOIN users AS u ON u.user_id = m.user_id
WHERE m.bot_id IS NOT NULL
	OR m.app_id IS NOT NULL
	OR m.subtype = 'bot_message'
	OR u.is_bot
GROUP BY m.bot_id, m.app_id, m.username, u.real_name, u.name
ORDER BY messages DESC, name;
