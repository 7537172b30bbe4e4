-- The api schema is the contract with the frontend: exactly these views and functions.
-- Adding one means adding it here and to the authorization matrix (test_90).
begin;
select plan(2);

select views_are(
    'api',
    array['users', 'user_accounts'],
    'api exposes exactly the contracted views'
);

select functions_are(
    'api',
    array['whoami', 'create_user', 'deactivate_user'],
    'api exposes exactly the contracted functions'
);

select * from finish();
rollback;
