// The browser APIs the sync engine needs that are promise-and-callback shaped: Web Locks and
// the storage manager. Kept tiny; every decision is made on the Rust side (engine.rs).

// Waits for the exclusive lock `name` and resolves to a function that releases it. The lock is
// held until that function is called (or the tab closes).
export function acquireLock(name) {
  return new Promise((granted, failed) => {
    if (!navigator.locks) {
      failed(new Error("this browser has no Web Locks"));
      return;
    }
    navigator.locks
      .request(name, { mode: "exclusive" }, () => new Promise((release) => granted(release)))
      .catch(failed);
  });
}

// The names of the locks held by any tab of this origin (tests and the sync page read it).
export async function heldLocks() {
  if (!navigator.locks) return [];
  const state = await navigator.locks.query();
  return state.held.map((lock) => lock.name);
}

// { usage, quota, persisted } of this origin's storage; fields are null when unknown.
export async function storageState() {
  const s = navigator.storage;
  if (!s) return { usage: null, quota: null, persisted: null };
  const estimate = s.estimate ? await s.estimate() : {};
  const persisted = s.persisted ? await s.persisted() : null;
  return { usage: estimate.usage ?? null, quota: estimate.quota ?? null, persisted };
}

// Asks the browser to keep this origin's storage under pressure; resolves to its answer.
export async function requestPersist() {
  if (!navigator.storage || !navigator.storage.persist) return false;
  return await navigator.storage.persist();
}
