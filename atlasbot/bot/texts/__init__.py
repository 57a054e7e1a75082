"""Every user-facing text, by area; each goes through atlasbot.i18n._ when shown."""
