"""Work-injury medical bills (工伤医疗费用明细): exchange files, line rules, anomaly hints, review."""
