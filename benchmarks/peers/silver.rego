# TIER-3 silver criteria over provider-level figures (the same rule as benchmarks/silver_figures.policy).
package silver

default tier := "base"

# TIER-3: the mandatory indicator and any one optional indicator.
tier := "silver" if {
	input.paid_orders >= 9000000 # TIER-3.1
	optional_indicator
}

optional_indicator if input.active_merchants >= 1000 # TIER-3.2

optional_indicator if input.qualified_merchants >= 150 # TIER-3.3
