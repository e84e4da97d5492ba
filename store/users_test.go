package store_test

import (
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

func TestUsers(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		n, err := s.CountStaff(ctx, model.RoleNone)
		must(t, err)
		if n != 0 {
			t.Fatalf("empty store has %d staff", n)
		}
		acme := model.Organisation{Slug: "acme"}
		must(t, s.CreateOrg(ctx, &acme))

		ann := model.User{Email: " Ann@ACME.com ", Name: "Ann", DefaultOrgID: acme.ID, Registered: true}
		must(t, s.CreateUser(ctx, &ann))
		if ann.ID == 0 || ann.Email != "ann@acme.com" {
			t.Fatalf("created %+v", ann)
		}
		got, err := s.UserByEmail(ctx, "ANN@acme.com")
		must(t, err)
		if got.Name != "Ann" || got.DefaultOrgID != acme.ID || !got.Registered || got.Bouncing || got.StaffRole != "" {
			t.Errorf("read back %+v", got)
		}
		sameTime(t, "created_at", got.CreatedAt, ann.CreatedAt)

		dup := model.User{Email: "ann@Acme.COM"}
		wantErr(t, s.CreateUser(ctx, &dup), store.ErrDuplicate)

		sam := model.User{Email: "sam@support.example", StaffRole: model.RoleOwner}
		must(t, s.CreateUser(ctx, &sam))
		got.StaffRole, got.DefaultOrgID, got.Name = model.RoleAgent, 0, "Ann B"
		must(t, s.UpdateUser(ctx, &got))
		must(t, s.SetBouncing(ctx, "ANN@acme.com", true))
		wantErr(t, s.SetBouncing(ctx, "nobody@acme.com", true), store.ErrNotFound)
		got, err = s.UserByID(ctx, ann.ID)
		must(t, err)
		if got.StaffRole != model.RoleAgent || got.DefaultOrgID != 0 || got.Name != "Ann B" || !got.Bouncing {
			t.Errorf("update not stored: %+v", got)
		}

		staff, err := s.ListStaff(ctx)
		must(t, err)
		if len(staff) != 2 || staff[0].ID != ann.ID {
			t.Errorf("ListStaff = %+v", staff)
		}
		for role, want := range map[model.StaffRole]int{"": 2, model.RoleOwner: 1, model.RoleAdmin: 0} {
			n, err := s.CountStaff(ctx, role)
			must(t, err)
			if n != want {
				t.Errorf("CountStaff(%q) = %d, want %d", role, n, want)
			}
		}

		byID, err := s.UsersByIDs(ctx, []int64{sam.ID, ann.ID, sam.ID, 999})
		must(t, err)
		if len(byID) != 2 || byID[sam.ID].Email != "sam@support.example" || byID[ann.ID].Email != "ann@acme.com" {
			t.Errorf("UsersByIDs = %+v", byID)
		}
		none, err := s.UsersByIDs(ctx, nil)
		must(t, err)
		if len(none) != 0 {
			t.Errorf("UsersByIDs(nil) = %+v", none)
		}
		all, err := s.ListUsers(ctx)
		must(t, err)
		if len(all) != 2 || all[0].ID != ann.ID || all[1].ID != sam.ID {
			t.Errorf("ListUsers = %+v", all)
		}
		_, err = s.UserByID(ctx, 999)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.UpdateUser(ctx, &model.User{ID: 999}), store.ErrNotFound)
	})
}
