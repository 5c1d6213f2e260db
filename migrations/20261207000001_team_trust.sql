-- Admin side of a shared-folder rollup: noise draws are now derived from the
-- organisation's key, the same in any data dir, so none are stored.
DROP TABLE team_noise;
