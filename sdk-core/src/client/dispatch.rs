//! Event routing tables, generic over the handler type, with pusher-js's
//! `Dispatcher` semantics: per-event callbacks in binding order, global callbacks
//! that see every event first, and `unbind` that filters by event and handler.
//!
//! JS functions, Rust closures and foreign callbacks all share this one table;
//! a front end decides what "the same handler" means by the predicate it passes
//! to `unbind`.

/// One routing table. Event names are kept in a `Vec` in binding order: tables
/// hold a handful of names, and a map type would cost the browser build kilobytes.
#[derive(Debug, Clone)]
pub struct Dispatcher<H> {
    callbacks: Vec<(String, Vec<H>)>,
    globals: Vec<H>,
}

impl<H> Default for Dispatcher<H> {
    fn default() -> Self {
        Dispatcher {
            callbacks: Vec::new(),
            globals: Vec::new(),
        }
    }
}

impl<H> Dispatcher<H> {
    /// Calls `handler` for every `event`, after the handlers bound before it.
    pub fn bind(&mut self, event: &str, handler: H) {
        match self.callbacks.iter_mut().find(|(name, _)| name == event) {
            Some((_, list)) => list.push(handler),
            None => self.callbacks.push((event.to_owned(), vec![handler])),
        }
    }

    /// Calls `handler` for every event, before the event's own handlers.
    pub fn bind_global(&mut self, handler: H) {
        self.globals.push(handler);
    }

    /// Removes bindings: of `event` (or of every event when `None`), and of those
    /// only the handlers `matches` accepts (every handler when `None`).
    /// `unbind(None, None)` clears all per-event bindings, as in pusher-js.
    pub fn unbind(&mut self, event: Option<&str>, mut matches: Option<&mut dyn FnMut(&H) -> bool>) {
        self.callbacks.retain_mut(|(name, list)| {
            if event.is_some_and(|event| event != name) {
                return true;
            }
            match matches.as_deref_mut() {
                None => false,
                Some(matches) => {
                    list.retain(|h| !matches(h));
                    !list.is_empty()
                }
            }
        });
    }

    /// Removes global handlers `matches` accepts, or all of them when `None`.
    pub fn unbind_global(&mut self, matches: Option<&mut dyn FnMut(&H) -> bool>) {
        match matches {
            None => self.globals.clear(),
            Some(matches) => self.globals.retain(|h| !matches(h)),
        }
    }

    /// Removes every binding.
    pub fn unbind_all(&mut self) {
        self.callbacks.clear();
        self.globals.clear();
    }

    /// Handlers bound to `event`, in binding order.
    pub fn handlers(&self, event: &str) -> &[H] {
        self.callbacks
            .iter()
            .find(|(name, _)| name == event)
            .map_or(&[], |(_, list)| list.as_slice())
    }

    /// Global handlers, in binding order.
    pub fn globals(&self) -> &[H] {
        &self.globals
    }

    /// Whether anything would be called for `event`.
    pub fn is_listening(&self, event: &str) -> bool {
        !self.globals.is_empty() || self.callbacks.iter().any(|(name, _)| name == event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_order_and_unbind_filters() {
        let mut d: Dispatcher<&str> = Dispatcher::default();
        d.bind("a", "f1");
        d.bind("a", "f2");
        d.bind("b", "f1");
        d.bind_global("g1");
        assert_eq!(d.handlers("a"), &["f1", "f2"]);
        assert!(
            d.is_listening("zzz"),
            "a global handler listens to everything"
        );

        d.unbind(None, Some(&mut |h: &&str| *h == "f1"));
        assert_eq!(d.handlers("a"), &["f2"]);
        assert!(d.handlers("b").is_empty());

        d.unbind(Some("a"), None);
        assert!(d.handlers("a").is_empty());

        d.bind("c", "f3");
        d.unbind_global(None);
        assert!(d.globals().is_empty());
        assert!(!d.is_listening("a"));
        d.unbind_all();
        assert!(d.handlers("c").is_empty());
    }
}
