// Keeps other requests' statements out of an open SQLite transaction.
//
// On SQLite the service has one connection, so an open transaction (BEGIN sent, COMMIT or ROLLBACK
// not yet) is a state of the connection, not of the request that opened it: any statement sent on
// the connection meanwhile becomes part of it. Prisma's better-sqlite3 adapter serialises
// transactions against each other (a mutex in startTransaction) but sends plain statements straight
// through, so another request's write could land inside someone else's transaction. If that
// transaction then rolled back (a unique violation, a refresh token already rotated, a timeout), the
// write was undone although its own request had already been answered: a consumed login token or
// OAuth code became usable again. If it committed, the write was only durable from that later
// COMMIT on. (Shown by lib/db/sqlite-transaction-gate.test.ts; PostgreSQL is not affected: its
// adapter gives each transaction a connection of its own from the pool.)
//
// The gate: a transaction claims it before its BEGIN and hands it back at commit() or rollback(),
// which the Prisma client and lib/db/direct-sql.ts call once they have sent COMMIT or ROLLBACK. A
// plain statement that arrives while it is claimed waits for it. With no transaction open, a plain
// statement runs at once, with no extra await: the hot statements keep their speed.
//
// One path ends a transaction without either statement: when COMMIT itself fails, Prisma's client
// calls rollback() without sending ROLLBACK, and SQLite stays inside the transaction. Opening the
// gate then would let plain statements into it, and the next BEGIN would fail ("cannot start a
// transaction within a transaction"), which leaves the adapter's own mutex held for good. So the
// gate rolls back whatever the connection still has open before it lets anyone through.
//
// Checking the gate and claiming it (or running the statement) happen in one synchronous step, after
// the last await: between a check and a claim made in different microtasks, someone else could claim
// it first. better-sqlite3 runs a statement synchronously when the adapter is called, so a statement
// let through runs before anyone else can open a transaction.
import type { SqlDriverAdapter, Transaction } from "@prisma/driver-adapter-utils";

/** The better-sqlite3 connection under the adapter, as far as the gate needs it. */
export interface SqliteConnection {
  readonly inTransaction: boolean;
  exec(sql: string): unknown;
}

export function gateStatementsOnTransactions(adapter: SqlDriverAdapter, connection: SqliteConnection): void {
  /** Settles when the open transaction ends; null when none is open. */
  let open: Promise<void> | null = null;

  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (...args: Parameters<SqlDriverAdapter["startTransaction"]>): Promise<Transaction> => {
    while (open) await open;
    let end!: () => void;
    const claim = new Promise<void>((resolve) => (end = resolve));
    open = claim;
    let ended = false;
    const release = () => {
      if (ended) return;
      ended = true;
      if (connection.inTransaction) {
        try {
          connection.exec("ROLLBACK");
        } catch {
          // Nothing more to undo: SQLite had already ended the transaction.
        }
      }
      // Claims are exclusive, so the gate is still this transaction's own.
      open = null;
      end();
    };
    let transaction: Transaction;
    try {
      transaction = await startTransaction(...args);
    } catch (error) {
      release();
      throw error;
    }
    const commit = transaction.commit.bind(transaction);
    const rollback = transaction.rollback.bind(transaction);
    transaction.commit = () => commit().finally(release);
    transaction.rollback = () => rollback().finally(release);
    return transaction;
  };

  const whenNoTransaction = async <T>(run: () => Promise<T>): Promise<T> => {
    while (open) await open;
    return run();
  };
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = (query) => (open ? whenNoTransaction(() => queryRaw(query)) : queryRaw(query));
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = (query) => (open ? whenNoTransaction(() => executeRaw(query)) : executeRaw(query));
  const executeScript = adapter.executeScript.bind(adapter);
  adapter.executeScript = (script) => (open ? whenNoTransaction(() => executeScript(script)) : executeScript(script));
}
