"""Region (地方) from a prefecture code, and population band (人口規模) from a population."""

from __future__ import annotations

from kyoso.directory.models import PopulationBand, Region

# The eight regions of the usual 八地方区分, by the two-digit prefecture code they start and end with.
_REGION_BY_PREFECTURE_RANGE: tuple[tuple[int, int, Region], ...] = (
    (1, 1, Region.HOKKAIDO),
    (2, 7, Region.TOHOKU),
    (8, 14, Region.KANTO),
    (15, 23, Region.CHUBU),
    (24, 30, Region.KINKI),
    (31, 35, Region.CHUGOKU),
    (36, 39, Region.SHIKOKU),
    (40, 47, Region.KYUSHU_OKINAWA),
)

# Lower bounds of each band, largest first; a designated city (政令指定都市) is a band of its own.
_BAND_LOWER_BOUNDS: tuple[tuple[int, PopulationBand], ...] = (
    (300_000, PopulationBand.OVER_300K),
    (100_000, PopulationBand.FROM_100K_TO_300K),
    (50_000, PopulationBand.FROM_50K_TO_100K),
    (10_000, PopulationBand.FROM_10K_TO_50K),
    (0, PopulationBand.UNDER_10K),
)


def region_for_prefecture_code(prefecture_code: str) -> Region:
    """The region of a prefecture, from the first two digits of any code in it ('40' or '402036')."""
    number = int(prefecture_code[:2])
    for first, last, region in _REGION_BY_PREFECTURE_RANGE:
        if first <= number <= last:
            return region
    raise ValueError(f"{prefecture_code!r} does not start with a prefecture code 01–47")


def population_band_for(population: int | None, *, designated_city: bool = False) -> str:
    """The band of a municipality; blank when its population is unknown."""
    if designated_city:
        return PopulationBand.DESIGNATED_CITY
    if population is None:
        return ""
    for lower_bound, band in _BAND_LOWER_BOUNDS:
        if population >= lower_bound:
            return band
    raise ValueError(f"population {population} is negative")
