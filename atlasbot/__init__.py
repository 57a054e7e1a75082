"""atlasbot: cross-border help between police special intervention units, by chat."""
