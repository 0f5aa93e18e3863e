-- The demo database: the troubleshooting guide's customers/orders example
-- with the broken references the guide warns about.  Loaded by demo/run.

-- Staff: the guide's self-referencing fk_manager, and a cycle with stores
-- (an employee works in a store, a store is run by an employee).
CREATE TABLE employees (
    id          int PRIMARY KEY,
    name        text NOT NULL,
    manager_id  int CONSTRAINT fk_manager REFERENCES employees (id),
    store_id    int);
CREATE TABLE stores (
    id          int PRIMARY KEY,
    city        text NOT NULL,
    manager_id  int REFERENCES employees (id));
ALTER TABLE employees ADD CONSTRAINT employees_store_id_fkey
    FOREIGN KEY (store_id) REFERENCES stores (id) DEFERRABLE INITIALLY DEFERRED;
BEGIN;
INSERT INTO employees VALUES (1, 'Grace', NULL, 10), (2, 'Alan', 1, 10), (3, 'Ada', 1, 20);
INSERT INTO stores VALUES (10, 'Lisbon', 1), (20, 'Porto', 3);
COMMIT;

CREATE TABLE customers (
    id                  int PRIMARY KEY,
    name                text NOT NULL,
    email               text,
    account_manager_id  int REFERENCES employees (id));
CREATE INDEX ON customers (account_manager_id);
INSERT INTO customers VALUES
    (1, 'Ann Lee', 'ann@example.com', 2),
    (2, 'Bo Chen', 'bo@example.com', 2),
    (3, 'Cy Diaz', 'cy@example.com', 3),
    (4, 'Di Eze', NULL, NULL);

-- The guide's orders table and constraint; customer_id has no index.
CREATE TABLE orders (
    id           int PRIMARY KEY,
    customer_id  int,
    total        numeric(10,2),
    CONSTRAINT orders_customer_id_fkey
        FOREIGN KEY (customer_id) REFERENCES customers (id));

-- The guide's bulk load "with triggers disabled": the orders of customers
-- 123 and 124 (never loaded) go in unchecked, and re-enabling the
-- triggers does not check them.  The constraint looks valid and enforced.
ALTER TABLE orders DISABLE TRIGGER ALL;
INSERT INTO orders VALUES
    (1, 1, 99.99), (2, 1, 15.00), (3, 2, 42.50), (4, 3, 7.25), (5, NULL, 3.10),
    (6, 123, 99.99), (7, 123, 12.00), (8, 124, 55.00);
ALTER TABLE orders ENABLE TRIGGER ALL;

-- Products with a composite key; order lines reference it by (sku, region).
CREATE TABLE products (
    sku     text,
    region  text,
    price   numeric(10,2),
    PRIMARY KEY (sku, region));
INSERT INTO products VALUES ('MUG', 'EU', 8), ('MUG', 'US', 9), ('TEE', 'EU', 20);
CREATE TABLE order_items (
    order_id  int REFERENCES orders (id) ON DELETE CASCADE,
    line      int,
    sku       text,
    region    text,
    qty       int NOT NULL,
    PRIMARY KEY (order_id, line),
    CONSTRAINT order_items_product_fkey
        FOREIGN KEY (sku, region) REFERENCES products (sku, region) ON UPDATE CASCADE);
INSERT INTO order_items VALUES
    (1, 1, 'MUG', 'EU', 2), (1, 2, 'TEE', 'EU', 1), (3, 1, 'MUG', 'US', 4);

-- Payments imported from an old system, the FK added afterwards with the
-- guide's NOT VALID ("validate later"): one payment is for an order that
-- does not exist.
CREATE TABLE payments (id int PRIMARY KEY, order_id int, amount numeric(10,2));
CREATE INDEX ON payments (order_id);
INSERT INTO payments VALUES (100, 1, 114.99), (101, 3, 42.50), (102, 999, 10.00);
ALTER TABLE payments ADD CONSTRAINT payments_order_id_fkey
    FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;

-- Shipments whose triggers were disabled for a load and never re-enabled:
-- the FK is not enforced at all, and a shipment of a missing order slipped in.
CREATE TABLE shipments (
    id        int PRIMARY KEY,
    order_id  int NOT NULL REFERENCES orders (id),
    shipped   date NOT NULL);
CREATE INDEX ON shipments (order_id);
ALTER TABLE shipments DISABLE TRIGGER ALL;
INSERT INTO shipments VALUES (1, 1, '2025-03-01'), (2, 4, '2025-03-02'), (3, 77, '2025-03-02');

-- A partitioned table referencing orders.
CREATE TABLE order_events (
    order_id    int NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    happened    date NOT NULL,
    event       text NOT NULL) PARTITION BY RANGE (happened);
CREATE TABLE order_events_2024 PARTITION OF order_events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE order_events_2025 PARTITION OF order_events
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX ON order_events (order_id);
INSERT INTO order_events VALUES
    (1, '2024-12-30', 'placed'), (1, '2025-01-02', 'shipped'), (3, '2025-02-01', 'placed');

-- Reviews keyed by a bigint customer id: the key types differ.
CREATE TABLE reviews (
    id           int PRIMARY KEY,
    customer_id  bigint REFERENCES customers (id),
    stars        int);
CREATE INDEX ON reviews (customer_id);
INSERT INTO reviews VALUES (1, 1, 5), (2, 3, 4);

-- Wish lists point at customers through a column no foreign key declares
-- (fk_suggest finds it, and the row it would reject today).
CREATE TABLE wishlists (id int PRIMARY KEY, customer_id int, note text);
INSERT INTO wishlists VALUES (1, 1, 'mug'), (2, 3, 'tea'), (3, 2, 'pot'), (4, 77, 'lost');

ANALYZE;
