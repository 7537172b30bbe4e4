-- Reporting after review (SPEC 9, 3.2): reporting.maxQuerySeconds as SPEC 3.2 has it (global or per
-- tenant, whole seconds 5-3600); transfers counted apart from releases (a release returns a lead to the
-- pool); indexes for the snapshot's scans of the day's cycles and activities; the V001 example login no
-- longer reads reporting (it is bound to no tenant, and the watchdog could not watch it). Frozen once on
-- main: change it with a new V file.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

update app.settings_registry
set
    allowed_scopes = '{global,tenant}',
    json_schema = '{"type": "integer", "minimum": 5, "maximum": 3600}'
where key = 'reporting.maxQuerySeconds';

alter table app.kpi_daily add column transfers integer not null default 0;
comment on column app.kpi_daily.transfers is 'Protection cycles closed that day by a transfer to another rep.';
comment on column app.kpi_daily.releases is 'Leads released to the pool that day (their cycle closed by expiry).';
comment on column app.kpi_daily.expiries is 'Protection cycles whose protection ended that day by expiry.';
comment on column app.kpi_daily.leads_expired is
'Leads EXPIRED at the last snapshot: released to the pool, or past their grace and about to be.';

create index lead_assignments_tenant_opened_idx on app.lead_assignments (tenant_id, opened_at);
create index lead_assignments_tenant_closed_idx on app.lead_assignments (tenant_id, closed_at)
where closed_at is not null;
create index activities_tenant_created_idx on app.activities (tenant_id, created_at);

revoke reporting_reader from analyst;
comment on role analyst is 'Example login of V001, in no group: analysts are made with freshplan analyst create.';
