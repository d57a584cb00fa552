//! Read-write transactions that are durable when they report success.
//!
//! [`begin_write`] asks for `durability: "strict"` (the browser flushes to disk before
//! `complete`; some browsers default to "relaxed", which can lose a "saved" change on power
//! loss). [`TxDone`] waits for `complete` or `abort` and reads the transaction's `error` at
//! abort time, so a `QuotaExceededError` raised at commit keeps its name.

use super::error::IdbError;
use futures::channel::oneshot;
use js_sys::{Array, Function, Object, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{Event, IdbDatabase, IdbTransaction};

/// Opens a `readwrite` transaction over `stores` with strict durability.
pub fn begin_write(db: &IdbDatabase, stores: &[&str]) -> Result<IdbTransaction, IdbError> {
    let names: Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
    let options = Object::new();
    Reflect::set(&options, &"durability".into(), &"strict".into())
        .map_err(|e| IdbError::from_js(&e))?;
    // `transaction(names, mode, options)`: web-sys gates the options overload behind its
    // unstable APIs, so it is called by name. Browsers without options ignore the argument.
    let transaction: Function = Reflect::get(db, &"transaction".into())
        .and_then(|f| f.dyn_into::<Function>())
        .map_err(|e| IdbError::from_js(&e))?;
    transaction
        .call3(db, &names, &"readwrite".into(), &options)
        .map_err(|e| IdbError::from_js(&e))?
        .dyn_into::<IdbTransaction>()
        .map_err(|v| IdbError::from_js(&v))
}

type Outcome = Result<(), IdbError>;

/// The end of a transaction: `complete` (durable) or `abort` (nothing happened). Create it
/// before placing requests; drop it to stop listening.
pub struct TxDone {
    tx: IdbTransaction,
    receiver: oneshot::Receiver<Outcome>,
    _on_complete: Closure<dyn FnMut(Event)>,
    _on_abort: Closure<dyn FnMut(Event)>,
}

impl TxDone {
    pub fn watch(tx: &IdbTransaction) -> Self {
        let (sender, receiver) = oneshot::channel::<Outcome>();
        let sender = Rc::new(RefCell::new(Some(sender)));
        let on_complete = {
            let sender = sender.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                if let Some(s) = sender.borrow_mut().take() {
                    let _ = s.send(Ok(()));
                }
            })
        };
        let on_abort = {
            let tx = tx.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                if let Some(s) = sender.borrow_mut().take() {
                    let _ = s.send(Err(IdbError::from_abort(tx.error())));
                }
            })
        };
        tx.set_oncomplete(Some(on_complete.as_ref().unchecked_ref()));
        tx.set_onabort(Some(on_abort.as_ref().unchecked_ref()));
        TxDone {
            tx: tx.clone(),
            receiver,
            _on_complete: on_complete,
            _on_abort: on_abort,
        }
    }

    /// Waits for the end. `Ok` only after `complete`.
    pub async fn wait(mut self) -> Outcome {
        match (&mut self.receiver).await {
            Ok(outcome) => outcome,
            Err(oneshot::Canceled) => Err(IdbError::Closed),
        }
    }

    /// Rolls the transaction back (if it is still running) and waits until it has ended, so
    /// that a read after this sees the state from before.
    pub async fn abort(self) {
        // Throws only when the transaction already finished; either way it is over after `wait`.
        let _ = self.tx.abort();
        let _ = self.wait().await;
    }
}

impl Drop for TxDone {
    fn drop(&mut self) {
        self.tx.set_oncomplete(None);
        self.tx.set_onabort(None);
    }
}
