"""The register in SQLite: persons, their addresses over time, parent links, declarations.

An address row with ``datum_einde`` NULL is a person's current address; the others are the
history, each ended the day the next one began. Search keys are stored case-folded so that
name matching ignores case for every alphabet (SQLite's ``lower`` only knows ASCII).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from building_blocks.common import Database
from building_blocks.registries.bsn import is_valid_bsn

SCHEMA = """
CREATE TABLE person (
    bsn TEXT PRIMARY KEY,
    voornamen TEXT NOT NULL,
    voorvoegsel TEXT,
    geslachtsnaam TEXT NOT NULL,
    voornamen_key TEXT NOT NULL,
    voorvoegsel_key TEXT NOT NULL,
    geslachtsnaam_key TEXT NOT NULL,
    geslacht TEXT NOT NULL,
    geboortedatum TEXT NOT NULL,
    geboorteplaats TEXT
);
CREATE INDEX person_by_name ON person (geslachtsnaam_key, geboortedatum);
CREATE TABLE address (
    id INTEGER PRIMARY KEY,
    bsn TEXT NOT NULL REFERENCES person (bsn),
    straat TEXT NOT NULL,
    huisnummer INTEGER NOT NULL,
    huisletter TEXT,
    huisnummertoevoeging TEXT,
    postcode TEXT NOT NULL,
    woonplaats TEXT NOT NULL,
    datum_aanvang TEXT NOT NULL,
    datum_einde TEXT
);
CREATE INDEX address_by_person ON address (bsn, datum_aanvang);
CREATE INDEX current_address ON address (postcode, huisnummer) WHERE datum_einde IS NULL;
CREATE UNIQUE INDEX one_current_address ON address (bsn) WHERE datum_einde IS NULL;
CREATE TABLE parent (
    kind_bsn TEXT NOT NULL REFERENCES person (bsn),
    ouder_bsn TEXT NOT NULL REFERENCES person (bsn),
    aanduiding TEXT NOT NULL CHECK (aanduiding IN ('1', '2')),
    PRIMARY KEY (kind_bsn, aanduiding)
);
CREATE INDEX children_of ON parent (ouder_bsn);
CREATE TABLE declaration (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('birth', 'move')),
    client_id TEXT NOT NULL,
    result TEXT NOT NULL
);
CREATE TABLE allocation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_sequence INTEGER NOT NULL
);
INSERT INTO allocation (id, next_sequence) VALUES (1, 0);
"""

GESLACHT_OMSCHRIJVING = {"M": "man", "V": "vrouw", "O": "onbekend"}

ADDRESS_FIELDS = ("straat", "huisnummer", "huisletter", "huisnummertoevoeging", "postcode")


class SeedError(ValueError):
    """The seed file is unusable: what is wrong, and where."""


def key(text: str | None) -> str:
    return (text or "").casefold()


@dataclass(frozen=True, slots=True)
class Page:
    bsns: list[str]
    total: int


# -- writing ------------------------------------------------------------------------------------


def insert_person(conn: sqlite3.Connection, person: Mapping[str, Any]) -> None:
    naam = person["naam"]
    geboorte = person["geboorte"]
    conn.execute(
        "INSERT INTO person (bsn, voornamen, voorvoegsel, geslachtsnaam, voornamen_key,"
        " voorvoegsel_key, geslachtsnaam_key, geslacht, geboortedatum, geboorteplaats)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            person["burgerservicenummer"],
            naam["voornamen"],
            naam.get("voorvoegsel"),
            naam["geslachtsnaam"],
            key(naam["voornamen"]),
            key(naam.get("voorvoegsel")),
            key(naam["geslachtsnaam"]),
            person["geslacht"],
            str(geboorte["datum"]),
            geboorte.get("plaats"),
        ),
    )


def insert_address(
    conn: sqlite3.Connection, bsn: str, address: Mapping[str, Any], *, ends: str | None = None
) -> None:
    conn.execute(
        "INSERT INTO address (bsn, straat, huisnummer, huisletter, huisnummertoevoeging,"
        " postcode, woonplaats, datum_aanvang, datum_einde) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            bsn,
            address["straat"],
            int(address["huisnummer"]),
            address.get("huisletter"),
            address.get("huisnummertoevoeging"),
            address["postcode"],
            address["woonplaats"],
            str(address["datumAanvangAdreshouding"]),
            ends,
        ),
    )


def end_current_address(conn: sqlite3.Connection, bsn: str, day: str) -> None:
    conn.execute(
        "UPDATE address SET datum_einde = ? WHERE bsn = ? AND datum_einde IS NULL", (day, bsn)
    )


def link_parent(conn: sqlite3.Connection, child: str, parent: str, aanduiding: str) -> None:
    conn.execute(
        "INSERT INTO parent (kind_bsn, ouder_bsn, aanduiding) VALUES (?, ?, ?)",
        (child, parent, aanduiding),
    )


def next_sequence(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT next_sequence FROM allocation WHERE id = 1").fetchone()[0])


def set_next_sequence(conn: sqlite3.Connection, value: int) -> None:
    conn.execute("UPDATE allocation SET next_sequence = ? WHERE id = 1", (value,))


def bsn_taken(conn: sqlite3.Connection, bsn: str) -> bool:
    return conn.execute("SELECT 1 FROM person WHERE bsn = ?", (bsn,)).fetchone() is not None


def save_declaration(
    conn: sqlite3.Connection, declaration_id: str, kind: str, client_id: str, result: object
) -> None:
    conn.execute(
        "INSERT INTO declaration (id, kind, client_id, result) VALUES (?, ?, ?, ?)",
        (declaration_id, kind, client_id, json.dumps(result, ensure_ascii=False)),
    )


# -- reading ------------------------------------------------------------------------------------


def person_row(db: Database | sqlite3.Connection, bsn: str) -> sqlite3.Row | None:
    conn = db.connection() if isinstance(db, Database) else db
    row: sqlite3.Row | None = conn.execute("SELECT * FROM person WHERE bsn = ?", (bsn,)).fetchone()
    return row


def current_address(db: Database | sqlite3.Connection, bsn: str) -> dict[str, Any] | None:
    conn = db.connection() if isinstance(db, Database) else db
    row = conn.execute(
        "SELECT * FROM address WHERE bsn = ? AND datum_einde IS NULL", (bsn,)
    ).fetchone()
    return None if row is None else address_dict(row)


def declaration(db: Database, declaration_id: str, kind: str, client_id: str) -> Any | None:
    row = db.query_one(
        "SELECT result FROM declaration WHERE id = ? AND kind = ? AND client_id = ?",
        (declaration_id, kind, client_id),
    )
    return None if row is None else json.loads(row["result"])


def page_of(db: Database, where: str, params: Sequence[Any], *, page: int, page_size: int) -> Page:
    """One page of the BSNs of the persons matching ``where``, ordered by BSN."""
    counted = db.query_one(f"SELECT COUNT(*) FROM person p WHERE {where}", params)
    total = 0 if counted is None else int(counted[0])
    rows = db.query(
        f"SELECT p.bsn FROM person p WHERE {where} ORDER BY p.bsn LIMIT ? OFFSET ?",
        (*params, page_size, (page - 1) * page_size),
    )
    return Page([row["bsn"] for row in rows], total)


def naam_dict(row: sqlite3.Row) -> dict[str, Any]:
    naam = {"voornamen": row["voornamen"]}
    if row["voorvoegsel"]:
        naam["voorvoegsel"] = row["voorvoegsel"]
    naam["geslachtsnaam"] = row["geslachtsnaam"]
    return naam


def geboorte_dict(row: sqlite3.Row) -> dict[str, Any]:
    geboorte = {"datum": row["geboortedatum"]}
    if row["geboorteplaats"]:
        geboorte["plaats"] = row["geboorteplaats"]
    return geboorte


def address_dict(row: sqlite3.Row, *, with_end: bool = False) -> dict[str, Any]:
    address: dict[str, Any] = {}
    for name in (*ADDRESS_FIELDS, "woonplaats"):
        if row[name] is not None:
            address[name] = row[name]
    address["datumAanvangAdreshouding"] = row["datum_aanvang"]
    if with_end and row["datum_einde"] is not None:
        address["datumEindeAdreshouding"] = row["datum_einde"]
    return address


def load_person(db: Database, bsn: str, groups: Iterable[str]) -> dict[str, Any] | None:
    """The person as the API shows it, with only the top-level groups asked for filled in."""
    row = person_row(db, bsn)
    if row is None:
        return None
    wanted = set(groups)
    person: dict[str, Any] = {"burgerservicenummer": bsn}
    if "geslacht" in wanted:
        code = row["geslacht"]
        person["geslacht"] = {"code": code, "omschrijving": GESLACHT_OMSCHRIJVING[code]}
    if "naam" in wanted:
        person["naam"] = naam_dict(row)
    if "geboorte" in wanted:
        person["geboorte"] = geboorte_dict(row)
    if wanted & {"verblijfplaats", "verblijfplaatsHistorie"}:
        rows = db.query(
            "SELECT * FROM address WHERE bsn = ? ORDER BY datum_aanvang DESC, id DESC", (bsn,)
        )
        current = [r for r in rows if r["datum_einde"] is None]
        if current:
            person["verblijfplaats"] = address_dict(current[0])
        person["verblijfplaatsHistorie"] = [
            address_dict(r, with_end=True) for r in rows if r["datum_einde"] is not None
        ]
    if "ouders" in wanted:
        rows = db.query(
            "SELECT l.aanduiding, p.* FROM parent l JOIN person p ON p.bsn = l.ouder_bsn"
            " WHERE l.kind_bsn = ? ORDER BY l.aanduiding",
            (bsn,),
        )
        person["ouders"] = [
            {
                "burgerservicenummer": r["bsn"],
                "ouderAanduiding": r["aanduiding"],
                "naam": naam_dict(r),
            }
            for r in rows
        ]
    if "kinderen" in wanted:
        rows = db.query(
            "SELECT p.* FROM parent l JOIN person p ON p.bsn = l.kind_bsn"
            " WHERE l.ouder_bsn = ? ORDER BY p.geboortedatum, p.bsn",
            (bsn,),
        )
        person["kinderen"] = [
            {"burgerservicenummer": r["bsn"], "naam": naam_dict(r), "geboorte": geboorte_dict(r)}
            for r in rows
        ]
    return person


# -- schema and seed ----------------------------------------------------------------------------


def _seed_error(path: Path, where: str, what: str) -> SeedError:
    return SeedError(f"{path}: {where}: {what}")


def load_seed(path: Path) -> list[dict[str, Any]]:
    """The persons of a seed file, checked enough that a broken file fails at start-up."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SeedError(f"{path}: cannot read the seed file: {exc}") from exc
    persons = document.get("persons") if isinstance(document, dict) else None
    if not isinstance(persons, list):
        raise _seed_error(path, "persons", "expected a list of persons")
    seen: set[str] = set()
    for index, person in enumerate(persons):
        where = f"persons[{index}]"
        if not isinstance(person, dict):
            raise _seed_error(path, where, "expected a mapping")
        bsn = str(person.get("burgerservicenummer", ""))
        if not is_valid_bsn(bsn):
            raise _seed_error(path, where, "burgerservicenummer is not a valid BSN (11-proef)")
        if bsn in seen:
            raise _seed_error(path, where, "burgerservicenummer occurs twice")
        seen.add(bsn)
        if not person.get("verblijfplaatsen"):
            raise _seed_error(path, where, "needs at least one address (verblijfplaatsen)")
    for index, person in enumerate(persons):
        for ouder in person.get("ouders") or []:
            if str(ouder.get("burgerservicenummer")) not in seen:
                raise _seed_error(path, f"persons[{index}].ouders", "names an unknown person")
    return persons


def seed_migration(seed_file: Path) -> Any:
    """A migration that fills a new register from the seed file (run once, like any migration)."""

    def migrate(conn: sqlite3.Connection) -> None:
        persons = load_seed(seed_file)
        for person in persons:
            insert_person(conn, person)
            addresses = sorted(
                person["verblijfplaatsen"], key=lambda a: str(a["datumAanvangAdreshouding"])
            )
            for address, following in zip(addresses, [*addresses[1:], None], strict=True):
                ends = None if following is None else str(following["datumAanvangAdreshouding"])
                insert_address(conn, person["burgerservicenummer"], address, ends=ends)
        for person in persons:
            for ouder in person.get("ouders") or []:
                link_parent(
                    conn,
                    person["burgerservicenummer"],
                    str(ouder["burgerservicenummer"]),
                    str(ouder["ouderAanduiding"]),
                )

    return migrate


def open_register(data_dir: Path, seed_file: Path) -> Database:
    return Database(data_dir / "registries.sqlite3", [SCHEMA, seed_migration(seed_file)])
