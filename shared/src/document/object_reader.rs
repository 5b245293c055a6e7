//! [`ObjectReader`]: autosurgeon's view of an Automerge document that reads each map or
//! list once, whole, instead of looking every field up on its own.
//!
//! Hydrating a [`crate::registration::Registration`] asks the document for some fifty
//! properties one at a time, and in Automerge 0.12 each lookup sets up its own walk over
//! the op columns: about 85 µs per registration, a third of the server's CPU in a sync
//! (docs/benchmarks.md, issue 13). Reading an object with one `map_range`/`list_range`
//! pass and answering its properties from that costs a fraction. The answers are the
//! document's own (the same visible value and object id a lookup returns), so what is
//! hydrated is identical; whatever autosurgeon asks beyond properties and lengths goes to
//! the document itself.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::RangeBounds;

use automerge::{AutoCommit, AutomergeError, ObjId, ObjType, Prop, Value};

/// A document read through per-object snapshots, for one hydrate call.
pub(super) struct ObjectReader<'d> {
    doc: &'d AutoCommit,
    objects: RefCell<HashMap<ObjId, Object>>,
}

/// One object's visible properties, read in one pass.
enum Object {
    Map(HashMap<String, (Value<'static>, ObjId)>),
    List(Vec<(Value<'static>, ObjId)>),
    /// Text and anything else: asked of the document.
    Other,
}

impl<'d> ObjectReader<'d> {
    pub(super) fn new(doc: &'d AutoCommit) -> Self {
        ObjectReader {
            doc,
            objects: RefCell::new(HashMap::new()),
        }
    }

    /// Runs `f` on the snapshot of `obj`, reading it first if needed.
    fn with_object<T>(&self, obj: &ObjId, f: impl FnOnce(&Object) -> T) -> T {
        let mut objects = self.objects.borrow_mut();
        let object = objects
            .entry(obj.clone())
            .or_insert_with(|| read_object(self.doc, obj));
        f(object)
    }
}

fn read_object(doc: &AutoCommit, obj: &ObjId) -> Object {
    match automerge::ReadDoc::object_type(doc, obj) {
        Ok(ObjType::Map | ObjType::Table) => Object::Map(
            automerge::ReadDoc::map_range(doc, obj, ..)
                .map(|item| {
                    let id = item.id();
                    (item.key.into_owned(), (item.value.into_value(), id))
                })
                .collect(),
        ),
        Ok(ObjType::List) => Object::List(
            automerge::ReadDoc::list_range(doc, obj, ..)
                .map(|item| {
                    let id = item.id();
                    (item.value.into_value(), id)
                })
                .collect(),
        ),
        Ok(ObjType::Text) | Err(_) => Object::Other,
    }
}

impl autosurgeon::ReadDoc for ObjectReader<'_> {
    type Parents<'a>
        = automerge::Parents<'a>
    where
        Self: 'a;

    fn get_heads(&self) -> Vec<automerge::ChangeHash> {
        autosurgeon::ReadDoc::get_heads(self.doc)
    }

    fn get<P: Into<Prop>>(
        &self,
        obj: &ObjId,
        prop: P,
    ) -> Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        let prop = prop.into();
        let found = self.with_object(obj, |object| match (object, &prop) {
            (Object::Map(keys), Prop::Map(key)) => Some(keys.get(key.as_str()).cloned()),
            (Object::List(items), Prop::Seq(index)) => Some(items.get(*index).cloned()),
            _ => None,
        });
        match found {
            Some(found) => Ok(found),
            // A key of a list, an index of a map, text: the document answers (or refuses).
            None => autosurgeon::ReadDoc::get(self.doc, obj, prop),
        }
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<ObjType> {
        autosurgeon::ReadDoc::object_type(self.doc, obj)
    }

    fn map_range<'a, O, R>(&'a self, obj: O, range: R) -> automerge::iter::MapRange<'a>
    where
        R: RangeBounds<String> + 'a,
        O: AsRef<ObjId>,
        R: RangeBounds<String>,
    {
        autosurgeon::ReadDoc::map_range(self.doc, obj, range)
    }

    fn list_range<O: AsRef<ObjId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
    ) -> automerge::iter::ListRange<'_> {
        autosurgeon::ReadDoc::list_range(self.doc, obj, range)
    }

    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        let obj = obj.as_ref();
        let length = self.with_object(obj, |object| match object {
            Object::Map(keys) => Some(keys.len()),
            Object::List(items) => Some(items.len()),
            Object::Other => None,
        });
        length.unwrap_or_else(|| autosurgeon::ReadDoc::length(self.doc, obj))
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, AutomergeError> {
        autosurgeon::ReadDoc::text(self.doc, obj)
    }

    fn parents<O: AsRef<ObjId>>(&self, obj: O) -> Result<Self::Parents<'_>, AutomergeError> {
        autosurgeon::ReadDoc::parents(self.doc, obj)
    }

    fn is_empty(&self) -> bool {
        autosurgeon::ReadDoc::is_empty(self.doc)
    }
}
