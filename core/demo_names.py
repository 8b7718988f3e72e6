"""Names the demo data of every module draws its people from (Austrian, as the default
calendar), and how a name becomes the local part of a demo e-mail address."""
from __future__ import annotations

import unicodedata

FIRST_NAMES = (
    "Anna", "Lukas", "Maria", "Florian", "Katharina", "Stefan", "Julia", "Thomas", "Sarah",
    "Michael", "Lena", "David", "Sophie", "Andreas", "Johanna", "Markus", "Elisabeth", "Tobias",
    "Theresa", "Christoph", "Hannah", "Manuel", "Magdalena", "Dominik", "Verena", "Jürgen",
    "Birgit", "Wolfgang", "Sabine", "Matthias", "Claudia", "Georg", "Monika", "Bernhard",
    "Petra", "Alexander", "Barbara", "Martin", "Nina", "Günther",
)
LAST_NAMES = (
    "Gruber", "Huber", "Bauer", "Wagner", "Müller", "Pichler", "Steiner", "Moser", "Mayer",
    "Hofer", "Leitner", "Berger", "Fuchs", "Eder", "Fischer", "Schmid", "Winkler", "Weber",
    "Schwarz", "Maier", "Schneider", "Reiter", "Mayr", "Schmidt", "Wimmer", "Egger", "Brunner",
    "Lang", "Baumgartner", "Auer", "Binder", "Lechner", "Wolf", "Wallner", "Aigner", "Ebner",
    "Koller", "Lehner", "Haas", "Schuster",
)


def ascii_local_part(text: str) -> str:
    """"Jürgen Größ" -> "juergen gross": umlauts spelled out, accents dropped, lower case."""
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
