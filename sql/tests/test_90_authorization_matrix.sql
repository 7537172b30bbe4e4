-- The authorization matrix (SPEC 10.2): every api view and function x every web role (and no
-- token) x the relation of the caller to the target row, with the expected outcome. It is data,
-- run by one loop, and it fails when an api object has no rows here.
begin;

select tests.create_tenant('alpha');
select tests.create_tenant('beta');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');
select tests.create_user('auditor@alpha.test', 'auditor', 'alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('colleague@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('rep@beta.test', 'sales_rep', 'beta');

-- Who acts for each role (all in tenant alpha); anon acts without a token.
create temporary table actors (role text primary key, email text);
insert into actors values
('anon', null),
('sales_rep', 'rep@alpha.test'),
('sales_manager', 'manager@alpha.test'),
('auditor', 'auditor@alpha.test'),
('tenant_admin', 'admin@alpha.test');

-- Targets by relation: the row a probe aims at. "tenant" = same tenant, "other_tenant" = beta.
create temporary table targets (relation text primary key, id uuid);
insert into targets values
('self', tests.user_id('rep@alpha.test')),
('tenant', tests.user_id('colleague@alpha.test')),
('other_tenant', tests.user_id('rep@beta.test')),
(
    'tenant_org', (
        select o.id from app.orgs as o inner join app.tenants as t on o.tenant_id = t.id
        where t.slug = 'alpha'
    )
),
(
    'other_tenant_org', (
        select o.id from app.orgs as o inner join app.tenants as t on o.tenant_id = t.id
        where t.slug = 'beta'
    )
);

-- How each object is exercised: a statement returning one count, %L = the target id.
create temporary table probes (object text, relation text, statement text, primary key (object, relation));
insert into probes values
('api.users', 'tenant', 'select count(*) from api.users where id = %L'),
('api.users', 'other_tenant', 'select count(*) from api.users where id = %L'),
('api.user_accounts', 'tenant', 'select count(*) from api.user_accounts where id = %L'),
('api.user_accounts', 'other_tenant', 'select count(*) from api.user_accounts where id = %L'),
('api.whoami', 'self', 'select count(*) from api.whoami() where id is not null and %L is not null'),
(
    'api.create_user', 'tenant_org',
    'select count(*) from api.create_user(''probe@alpha.test'', ''Probe'', ''sales_rep'', %L)'
),
(
    'api.create_user', 'other_tenant_org',
    'select count(*) from api.create_user(''probe@alpha.test'', ''Probe'', ''sales_rep'', %L)'
),
('api.deactivate_user', 'tenant', 'select count(*) from api.deactivate_user(%L)'),
('api.deactivate_user', 'other_tenant', 'select count(*) from api.deactivate_user(%L)');

-- The expectations: object, relation, then one column per role.
create temporary table matrix (
    object text, relation text,
    anon text, sales_rep text, sales_manager text, auditor text, tenant_admin text,
    primary key (object, relation)
);
insert into matrix values
('api.users', 'tenant', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.users', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.user_accounts', 'tenant', 'sqlstate 42501', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1'),
('api.user_accounts', 'other_tenant', 'sqlstate 42501', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0'),
('api.whoami', 'self', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.create_user', 'tenant_org', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'rows 1'),
('api.create_user', 'other_tenant_org', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'FP114 400'),
('api.deactivate_user', 'tenant', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'rows 1'),
('api.deactivate_user', 'other_tenant', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'FP116 404');

create temporary table expectations as
select
    m.object,
    m.relation,
    e.role,
    e.expected
from matrix as m
cross join lateral (
    values ('anon', m.anon), ('sales_rep', m.sales_rep), ('sales_manager', m.sales_manager),
    ('auditor', m.auditor), ('tenant_admin', m.tenant_admin)
) as e (role, expected);

create temporary table results (object text, relation text, role text, outcome text);

-- The one loop: become each role, run each probe, record what happened.
do $$
declare
    v_case record;
    v_outcome text;
begin
    for v_case in
        select x.object, x.relation, x.role, a.email, format(p.statement, t.id) as statement
        from expectations as x
        inner join actors as a on a.role = x.role
        inner join probes as p on p.object = x.object and p.relation = x.relation
        inner join targets as t on t.relation = x.relation
        order by 1, 2, 3
    loop
        if v_case.email is null then
            perform tests.authenticate_anon();
        else
            perform tests.authenticate_as(v_case.email);
        end if;
        v_outcome := tests.probe(v_case.statement);
        perform tests.clear_authentication();
        insert into results values (v_case.object, v_case.relation, v_case.role, v_outcome);
    end loop;
end
$$;

select plan((select count(*)::int from expectations) + 2);

select is_empty(
    $$ select 'api.' || c.relname from pg_class as c
       where c.relnamespace = 'api'::regnamespace and c.relkind in ('v', 'r', 'm', 'f')
       union
       select 'api.' || p.proname from pg_proc as p where p.pronamespace = 'api'::regnamespace
       except
       select object from matrix $$,
    'every api view and function is in the authorization matrix'
);

select is_empty(
    $$ select object from matrix except select object from probes $$,
    'every object in the matrix has a probe'
);

select
    is(
        r.outcome, x.expected,
        format('%s (%s) as %s', x.object, x.relation, x.role)
    )
from expectations as x
left join results as r on x.object = r.object and x.relation = r.relation and x.role = r.role
order by x.object, x.relation, x.role;

select * from finish();
rollback;
