"""The names of the default capability catalogue (data/network.yaml), marked for translation.

The catalogue is data: its names reach the texts from the database, and each is shown through
``_(name)``, so a name listed here reads in the member's language and a name a network file
adds reads as written until a catalog translates it.
"""

from __future__ import annotations

from atlasbot.i18n import N_

DEFAULT_CATALOGUE_NAMES = (
    N_("Hostage rescue"),
    N_("Building and high-rise intervention"),
    N_("Aircraft intervention"),
    N_("Bus and train intervention"),
    N_("Maritime intervention"),
    N_("Aerial insertion (helicopter rope/rappel)"),
    N_("Negotiation"),
    N_("Precision marksmen"),
    N_("Explosive ordnance disposal"),
    N_("CBRN"),
    N_("K9 (police dogs)"),
    N_("Methodical and explosive breaching"),
    N_("Tactical medicine"),
    N_("Technical surveillance"),
    N_("Drones and robots"),
    N_("Divers"),
    N_("Command support"),
    N_("Armoured and ramp vehicles"),
)
