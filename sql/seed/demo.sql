-- Demo data for `make run` (never loaded by migrations). Idempotent: a second run changes nothing.
-- Fixed ids so tokens and links in the README stay valid across machines.
begin;

insert into app.tenants (id, slug, name) values
('10000000-0000-4000-8000-000000000001', 'freshfoodz', 'FreshFoodz'),
('10000000-0000-4000-8000-000000000002', 'nordkueche', 'Nordküche')
on conflict (id) do nothing;

insert into app.orgs (id, tenant_id, name) values
('20000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001', 'Vertrieb Nord'),
('20000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001', 'Vertrieb Süd'),
('20000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000002', 'Nordküche Vertrieb')
on conflict (id) do nothing;

insert into app.users (id, tenant_id, org_id, email, display_name, role) values
(
    '30000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
    '20000000-0000-4000-8000-000000000001', 'admin@freshfoodz.example', 'Anna Admin', 'tenant_admin'
),
(
    '30000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001',
    '20000000-0000-4000-8000-000000000001', 'manager@freshfoodz.example', 'Markus Manager',
    'sales_manager'
),
(
    '30000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000001',
    '20000000-0000-4000-8000-000000000001', 'auditor@freshfoodz.example', 'Aylin Auditor', 'auditor'
),
(
    '30000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000001',
    '20000000-0000-4000-8000-000000000001', 'rep1@freshfoodz.example', 'Rita Reppel', 'sales_rep'
),
(
    '30000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000001',
    '20000000-0000-4000-8000-000000000001', 'rep2@freshfoodz.example', 'Rolf Ruhr', 'sales_rep'
),
(
    '30000000-0000-4000-8000-000000000006', '10000000-0000-4000-8000-000000000001',
    '20000000-0000-4000-8000-000000000002', 'rep3@freshfoodz.example', 'Sepp Süd', 'sales_rep'
),
(
    '30000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000002',
    '20000000-0000-4000-8000-000000000003', 'admin@nordkueche.example', 'Nora Nord', 'tenant_admin'
),
(
    '30000000-0000-4000-8000-000000000008', '10000000-0000-4000-8000-000000000002',
    '20000000-0000-4000-8000-000000000003', 'rep1@nordkueche.example', 'Nils Nord', 'sales_rep'
)
on conflict (id) do nothing;

commit;
