"""Industry chains (产业链): chains as data, placing enterprises on their links, diagnosis (强链 / 补链 /
延链), 招商 candidates and pipeline, and the enterprise tier pyramid with its movement.

The core is plain functions over the warehouse and plain data; parkbrain.web.chains and
parkbrain.cli.chains are thin shells over `reports`:

- `catalogue`: the chain files (data/chains/*.yaml, plus <home>/chains), validated by line;
- `placement` / `keywords`: vectorised placement from industry code, 经营范围 and 主要产品;
- `store`: placements and officers' overrides in the warehouse;
- `figures` / `diagnosis`: per-link figures against a benchmark, and the findings;
- `pool` / `attraction`: the synthetic candidate pool, ranking, the project pipeline;
- `tiers`: the tier pyramid and its year-on-year movement.
"""
