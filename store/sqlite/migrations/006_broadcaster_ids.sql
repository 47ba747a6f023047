-- Each channel's broadcaster id (Twitch's user id of the channel's
-- account), resolved through Helix once; '' until then.
ALTER TABLE channels ADD COLUMN broadcaster_id TEXT NOT NULL DEFAULT '';
