-- Leaderboards are ranked in memory by the channel's rules (bots left out,
-- ties shared), so the store no longer sorts viewers by points: the index
-- only slowed every write.
DROP INDEX IF EXISTS viewers_by_points;
