-- When Twitch first reported each viewer following the channel (EventSub
-- channel.follow), in Unix milliseconds; 0 for never. A follow earns its
-- bonus once per viewer ever, across restarts.
ALTER TABLE viewers ADD COLUMN followed_at INTEGER NOT NULL DEFAULT 0;
