package admin

import (
	"context"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// StaffSet gives email a staff role (S1): an admin grants and takes agent,
// an owner also admin and owner; nobody raises their own role; the first
// owner of an empty store needs no actor. With role "" it removes the role.
func (s *Service) StaffSet(ctx context.Context, req Request, email string, role model.StaffRole, action string) (Outcome, error) {
	if role != model.RoleNone && !role.IsStaff() {
		return Outcome{}, usage("--role must be agent, admin or owner (S1), not %q", role)
	}
	email, err := validEmail(email)
	if err != nil {
		return Outcome{}, err
	}
	return s.guarded(ctx, req, func(tx *store.Tx, watch watchFn) (func(auditCounts) error, error) {
		staff, err := tx.ListStaff(ctx)
		if err != nil {
			return nil, err
		}
		bootstrap := len(staff) == 0 && role == model.RoleOwner && action == "staff.add"
		if !bootstrap {
			if err := s.checkGrant(ctx, tx, req, email, role, staff); err != nil {
				return nil, err
			}
		}
		// One person's role (R1), and their memberships if they are
		// created (O3), change: they are judged on every ticket.
		if err := watch(access.Scope{People: []string{email}}); err != nil {
			return nil, err
		}
		u, _, err := s.ensureUser(ctx, tx, email, "")
		if err != nil {
			return nil, err
		}
		before := map[string]string{"role": string(u.StaffRole)}
		u.StaffRole = role
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return nil, err
		}
		if role == model.RoleNone {
			if err := s.unassign(ctx, tx, u.ID); err != nil {
				return nil, err
			}
		}
		return func(c auditCounts) error {
			return s.audit(ctx, tx, req, action, email, before, withCounts(map[string]string{"role": string(role)}, c))
		}, nil
	})
}

// checkGrant applies S1 to a role change of target.
func (s *Service) checkGrant(ctx context.Context, tx *store.Tx, req Request, target string, role model.StaffRole, staff []model.User) error {
	current := model.RoleNone
	for _, u := range staff {
		if u.Email == target {
			current = u.StaffRole
		}
	}
	need := model.RoleAdmin
	if role.Rank() >= model.RoleAdmin.Rank() || current.Rank() >= model.RoleAdmin.Rank() {
		need = model.RoleOwner
	}
	a, err := actor(ctx, tx, req, need)
	if err != nil {
		return err
	}
	if role == model.RoleNone && current == model.RoleNone {
		return refused("%s is not staff: there is no role to remove", target)
	}
	if a.Email == target && role.Rank() > current.Rank() {
		return refused("S1: nobody raises their own role")
	}
	if current == model.RoleOwner && role != model.RoleOwner {
		owners := 0
		for _, u := range staff {
			if u.StaffRole == model.RoleOwner {
				owners++
			}
		}
		if owners == 1 {
			return refused("S1: %s is the last owner", target)
		}
	}
	return nil
}

// unassign clears a former staff member from the tickets assigned to them
// (S1: only staff can be assignees).
func (s *Service) unassign(ctx context.Context, tx *store.Tx, userID int64) error {
	tickets, err := tx.ListTickets(ctx, store.TicketFilter{AssigneeID: userID})
	if err != nil {
		return err
	}
	for _, t := range tickets {
		t.AssigneeID = 0
		t.UpdatedAt = s.now().UTC()
		if err := tx.UpdateTicket(ctx, &t); err != nil {
			return err
		}
	}
	return nil
}

// StaffNotify sets what a staff member is told of (N7): team, assigned or
// none. Staff set their own; an admin sets anyone's. Audited (S3).
func (s *Service) StaffNotify(ctx context.Context, req Request, email string, notify model.NotifySetting) error {
	if !notify.Valid() {
		return usage("--notify must be team, assigned or none (N7), not %q", notify)
	}
	email, err := validEmail(email)
	if err != nil {
		return err
	}
	return s.change(ctx, req, func(tx *store.Tx) error {
		need := model.RoleAdmin
		if model.NormalizeEmail(req.As) == email {
			need = model.RoleAgent // N7: staff set their own
		}
		if _, err := actor(ctx, tx, req, need); err != nil {
			return err
		}
		u, err := loadUser(ctx, tx, email)
		if err != nil {
			return err
		}
		if !u.StaffRole.IsStaff() {
			return refused("N7: %s is not staff; only staff have a notify setting", email)
		}
		before := map[string]string{"notify": string(u.Notify.Or())}
		u.Notify = notify
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return err
		}
		return s.audit(ctx, tx, req, "staff.notify", email, before, map[string]string{"notify": string(notify)})
	})
}
