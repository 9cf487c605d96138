# TIER-3 silver criteria over provider-level figures (the same rule as
# benchmarks/silver_figures.policy), for a chunk of providers per query: input.providers is a
# list of providers, data.silver.tiers their tiers in the same order.
package silver

# TIER-3: the mandatory indicator and any one optional indicator.
silver(p) if {
	p.paid_orders >= 9000000 # TIER-3.1
	optional_indicator(p)
}

optional_indicator(p) if p.active_merchants >= 1000 # TIER-3.2

optional_indicator(p) if p.qualified_merchants >= 150 # TIER-3.3

tier(p) := "silver" if silver(p)

tier(p) := "base" if not silver(p)

tiers := [tier(p) | some p in input.providers]
