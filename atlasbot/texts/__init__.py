"""Every word a member reads, composed from plain values and translated through
``atlasbot.i18n``; pure, so use cases and timers compose the same messages."""
