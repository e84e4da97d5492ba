package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"reflect"
)

// marshalerType is implemented by values that print themselves.
var marshalerType = reflect.TypeFor[json.Marshaler]()

// withEmptyLists returns a copy of v in which every nil slice is an empty
// one, so that JSON prints [] and never null for a list (cli.md). Byte
// slices (json.RawMessage), values that marshal themselves, and the
// fields of unexported embedded structs (which reflection cannot set) are
// left as they are; v itself is not changed.
func withEmptyLists(v any) any {
	if v == nil {
		return nil
	}
	return emptyLists(reflect.ValueOf(v)).Interface()
}

func emptyLists(v reflect.Value) reflect.Value {
	t := v.Type()
	if t.Implements(marshalerType) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(marshalerType)) {
		return v
	}
	switch t.Kind() {
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return v
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(emptyLists(v.Index(i)))
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t.Elem())
		out.Elem().Set(emptyLists(v.Elem()))
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t).Elem()
		out.Set(emptyLists(v.Elem()))
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), emptyLists(it.Value()))
		}
		return out
	case reflect.Struct:
		out := reflect.New(t).Elem()
		out.Set(v)
		for i := range t.NumField() {
			if f := out.Field(i); f.CanSet() {
				f.Set(emptyLists(v.Field(i)))
			}
		}
		return out
	}
	return v
}

// listStream prints a list while it is read, a page at a time, so that a
// long list is never held whole: with --json the same bytes as printJSON
// of the whole list (an indented array), else one line per record. Its
// output is buffered: end (or flush, on an error) writes the rest.
type listStream[T any] struct {
	e    *env
	line func(T) string
	// lists, when set, returns a record with its nil lists made empty,
	// without withEmptyLists' reflection (a third of the CPU of printing
	// 50,000 tickets).
	lists func(T) T
	n     int
	w     *bufio.Writer
}

// add prints recs after those printed before.
func (l *listStream[T]) add(recs ...T) error {
	if l.w == nil {
		l.w = bufio.NewWriterSize(l.e.stdout, 64<<10)
	}
	for _, r := range recs {
		if !l.e.g.json {
			if _, err := fmt.Fprintln(l.w, l.line(r)); err != nil {
				return err
			}
			continue
		}
		var v any = r
		if l.lists != nil {
			v = l.lists(r)
		} else {
			v = withEmptyLists(r)
		}
		b, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return fmt.Errorf("print list: %w", err)
		}
		sep := ",\n  "
		if l.n == 0 {
			sep = "[\n  "
		}
		l.w.WriteString(sep)
		if _, err := l.w.Write(b); err != nil {
			return err
		}
		l.n++
	}
	return nil
}

// flush writes what add buffered.
func (l *listStream[T]) flush() error {
	if l.w == nil {
		return nil
	}
	return l.w.Flush()
}

// end closes the list.
func (l *listStream[T]) end() error {
	if err := l.flush(); err != nil || !l.e.g.json {
		return err
	}
	end := "\n]\n"
	if l.n == 0 {
		end = "[]\n"
	}
	_, err := fmt.Fprint(l.e.stdout, end)
	return err
}
