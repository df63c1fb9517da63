"""The percent change of each country's trade deficit, as the model families report it (``deficit_change_pct``)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

#: A trade balance below this share of the country's size (expenditure or value added) counts as balanced: the
#: solver's tolerance, what a balanced baseline holds after rounding.
BALANCED = 1e-9


def deficit_change_pct(D0: jax.Array, D1: jax.Array, size: jax.Array) -> jax.Array:
    """Percent change of the deficits ``D0`` -> ``D1`` (N,), each relative to its own ``abs(D0)``.

    A balance that was zero (within :data:`BALANCED` of ``size``) and stays so changes 0%; one that leaves zero has
    no percent change (NaN: ``balance_gdp_change_pp`` measures it).
    """
    tiny = BALANCED * size
    zero0 = jnp.abs(D0) <= tiny
    return jnp.where(zero0, jnp.where(jnp.abs(D1) <= tiny, 0.0, jnp.nan),
                     100.0 * (D1 - D0) / jnp.where(zero0, 1.0, jnp.abs(D0)))
