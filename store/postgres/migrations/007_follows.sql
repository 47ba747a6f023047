-- When Twitch first reported each viewer following the channel (EventSub
-- channel.follow); NULL for never. A follow earns its bonus once per viewer
-- ever, across restarts.
ALTER TABLE viewers ADD COLUMN followed_at TIMESTAMPTZ;
