"""Deterministic demo data: the same seed and spec always give the same rows, ids included."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from shop_analytics.seed import vocabulary as words


@dataclass(frozen=True)
class DemoSpec:
    """How much data to make, over which days."""

    clients: int = 2_000
    sellers: int = 20
    products: int = 300
    purchases: int = 20_000
    days: int = 7
    end_day: date | None = None
    """The last day with purchases; by default yesterday (UTC), the newest complete day."""
    unknown_share: float = 0.002
    """Share of purchases naming a client or product the sources do not have (flagged in stage)."""
    seed: int = 42

    @property
    def last_day(self) -> date:
        return self.end_day or (datetime.now(UTC).date() - timedelta(days=1))

    @property
    def first_day(self) -> date:
        return self.last_day - timedelta(days=self.days - 1)

    @property
    def day_keys(self) -> list[str]:
        return [(self.first_day + timedelta(days=i)).isoformat() for i in range(self.days)]


@dataclass(frozen=True)
class DemoData:
    clients: pd.DataFrame
    sellers: pd.DataFrame
    products: pd.DataFrame
    purchases: pd.DataFrame
    """purchase_id, client_id, product_id, quantity, price, timestamp (UTC), seller_id."""


def generate_demo_data(spec: DemoSpec) -> DemoData:
    rng = np.random.default_rng(spec.seed)
    start = datetime.combine(spec.first_day, datetime.min.time(), tzinfo=UTC)
    sellers = _sellers(rng, spec.sellers, start)
    clients = _clients(rng, spec.clients, start)
    products = _products(rng, spec.products, sellers["seller_id"].to_numpy(), start)
    purchases = _purchases(rng, spec, clients, products, start)
    return DemoData(clients=clients, sellers=sellers, products=products, purchases=purchases)


def _uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = rng.bytes(16 * n)
    return np.array(
        [str(uuid.UUID(bytes=raw[i : i + 16], version=4)) for i in range(0, 16 * n, 16)],
        dtype=object,
    )


def _pick(rng: np.random.Generator, options: tuple[str, ...], n: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]


def _sellers(rng: np.random.Generator, n: int, start: datetime) -> pd.DataFrame:
    ids = _uuids(rng, n)
    names = [
        f"{words.SELLER_FORM} «{w} {i + 1}»"
        for i, w in enumerate(_pick(rng, words.SELLER_WORDS, n))
    ]
    created = start - pd.to_timedelta(rng.integers(30, 900, n), unit="D")
    return pd.DataFrame(
        {
            "seller_id": ids,
            "name": names,
            "email": [f"sales{i + 1}@seller.example" for i in range(n)],
            "created_at": created,
            "updated_at": created,
        }
    )


def _clients(rng: np.random.Generator, n: int, start: datetime) -> pd.DataFrame:
    first, last = _pick(rng, words.FIRST_NAMES, n), _pick(rng, words.LAST_NAMES, n)
    female = np.isin(first, ("Мария", "Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина"))
    female |= np.isin(first, ("Светлана", "Юлия"))
    last = np.where(female, last + words.FEMININE_SUFFIX, last)
    domains = _pick(rng, words.EMAIL_DOMAINS, n)
    cities, streets = _pick(rng, words.CITIES, n), _pick(rng, words.STREETS, n)
    houses = rng.integers(1, 200, n)
    return pd.DataFrame(
        {
            "client_id": _uuids(rng, n),
            "first_name": first,
            "last_name": last,
            "email": [f"client{i + 1}@{d}" for i, d in enumerate(domains)],
            "address": [
                f"{c}, ул. {s}, {h}" for c, s, h in zip(cities, streets, houses, strict=True)
            ],
            "registration_date": start - pd.to_timedelta(rng.integers(1, 1500, n), unit="D"),
        }
    )


def _products(
    rng: np.random.Generator, n: int, seller_ids: np.ndarray, start: datetime
) -> pd.DataFrame:
    categories = np.asarray(list(words.CATEGORIES), dtype=object)[
        rng.integers(0, len(words.CATEGORIES), n)
    ]
    typical = np.array([words.CATEGORIES[c][0] for c in categories])
    nouns = [words.CATEGORIES[c][1][rng.integers(0, 5)] for c in categories]
    models = _pick(rng, words.MODELS, n)
    prices = np.round(typical * rng.lognormal(0.0, 0.5, n), 2)
    return pd.DataFrame(
        {
            "product_id": _uuids(rng, n),
            "name": [
                f"{noun} {model} {i + 1}"
                for i, (noun, model) in enumerate(zip(nouns, models, strict=True))
            ],
            "category": categories,
            "price": prices,
            "available_stock": rng.integers(500, 20_000, n).astype("int32"),
            # Stock is counted as of the start of the first demo day: every demo sale comes after.
            "updated_at": pd.Timestamp(start),
            "seller_id": seller_ids[rng.integers(0, len(seller_ids), n)],
        }
    )


def _purchases(
    rng: np.random.Generator,
    spec: DemoSpec,
    clients: pd.DataFrame,
    products: pd.DataFrame,
    start: datetime,
) -> pd.DataFrame:
    n = spec.purchases
    # Some clients and products sell far more than others (a Zipf-like popularity).
    client_weights = 1.0 / np.arange(1, len(clients) + 1) ** 0.6
    product_weights = 1.0 / np.arange(1, len(products) + 1) ** 0.8
    client_idx = rng.choice(len(clients), n, p=client_weights / client_weights.sum())
    product_idx = rng.choice(len(products), n, p=product_weights / product_weights.sum())
    client_ids = clients["client_id"].to_numpy()[client_idx]
    product_ids = products["product_id"].to_numpy()[product_idx]
    list_prices = products["price"].to_numpy()[product_idx]
    seller_ids = products["seller_id"].to_numpy()[product_idx]
    # A few purchases name a client or product the sources do not know (deleted, not yet synced).
    unknown = rng.random(n) < spec.unknown_share
    unknown_client = unknown & (rng.random(n) < 0.5)
    unknown_product = unknown & ~unknown_client
    client_ids = np.where(
        unknown_client, _uuids(rng, n) if unknown_client.any() else client_ids, client_ids
    )
    product_ids = np.where(
        unknown_product, _uuids(rng, n) if unknown_product.any() else product_ids, product_ids
    )
    seller_ids = np.where(unknown_product, None, seller_ids)
    # Paid price: the list price, sometimes discounted, in whole cents.
    discount = np.where(rng.random(n) < 0.2, rng.choice([0.05, 0.1, 0.2], n), 0.0)
    seconds = np.sort(rng.integers(0, spec.days * 86_400 * 1000, n))
    return pd.DataFrame(
        {
            "purchase_id": _uuids(rng, n),
            "client_id": client_ids,
            "product_id": product_ids,
            "quantity": (rng.geometric(0.55, n)).clip(1, 10).astype("int32"),
            "price": np.round(list_prices * (1 - discount), 2),
            "timestamp": pd.Timestamp(start) + pd.to_timedelta(seconds, unit="ms"),
            "seller_id": seller_ids,
        }
    )
