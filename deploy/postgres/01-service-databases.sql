-- One database per service, owned by the application role (POSTGRES_USER). Runs once, when the
-- data volume is first initialised; the schema inside each is built by `pathways db upgrade`.
CREATE DATABASE intake;
CREATE DATABASE router;
CREATE DATABASE notifier;
CREATE DATABASE ledger;
