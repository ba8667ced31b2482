package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/auth"
)

// ChangePasswordRequest changes the caller's password.
type ChangePasswordRequest struct {
	CurrentPassword string `json:"current_password" maxLength:"1024"`
	NewPassword     string `json:"new_password" maxLength:"1024" doc:"At least 8 characters, no NUL."`
}

// ForgotPasswordRequest asks for a reset link.
type ForgotPasswordRequest struct {
	Email string `json:"email" maxLength:"254"`
}

// ResetPasswordRequest sets a new password with a reset link's token.
type ResetPasswordRequest struct {
	Token       string `json:"token" maxLength:"128" doc:"The token of the link the e-mail carried."`
	NewPassword string `json:"new_password" maxLength:"1024" doc:"At least 8 characters, no NUL."`
}

// AcceptedResponse is the fixed body of a 202 whose outcome the server
// does not reveal.
type AcceptedResponse struct {
	Message string `json:"message"`
}

// forgotAccepted is the one body of every forgot-password answer.
const forgotAccepted = "If an account uses this address, a link to reset its password is on its way."

type changePasswordInput struct{ Body ChangePasswordRequest }
type forgotInput struct{ Body ForgotPasswordRequest }
type resetInput struct{ Body ResetPasswordRequest }
type acceptedOutput struct{ Body AcceptedResponse }

// VerifyEmailRequest carries the token of a verification link.
type VerifyEmailRequest struct {
	Token string `json:"token" maxLength:"128"`
}

type verifyEmailInput struct{ Body VerifyEmailRequest }
type adminUserIDInput struct {
	ID string `path:"id" maxLength:"64"`
}

// InvitationRequest invites an address.
type InvitationRequest struct {
	Email string `json:"email" maxLength:"254"`
	Role  string `json:"role" enum:"user,moderator,admin" doc:"The role the new account gets."`
}

// InvitationResponse is a sent invitation; the link goes only to the
// invited address.
type InvitationResponse struct {
	Email     string    `json:"email"`
	Role      string    `json:"role" enum:"user,moderator,admin"`
	ExpiresAt time.Time `json:"expires_at" doc:"RFC 3339, UTC."`
}

// AcceptInvitationRequest creates the invited account.
type AcceptInvitationRequest struct {
	Token    string `json:"token" maxLength:"128"`
	Password string `json:"password" maxLength:"1024" doc:"At least 8 characters, no NUL."`
	Name     string `json:"name,omitempty" maxLength:"100"`
}

type inviteInput struct{ Body InvitationRequest }
type inviteOutput struct{ Body InvitationResponse }
type acceptInvitationInput struct {
	RefreshMode string `header:"X-Kpbot-Refresh" enum:"cookie" doc:"cookie: the browser flow (the refresh token travels in the kpbot_refresh cookie, never in the body)."`
	Body        AcceptInvitationRequest
}

func (s *Server) registerInvitations() {
	huma.Register(s.api, huma.Operation{
		OperationID: "admin-invite", Method: http.MethodPost, Path: "/api/admin/invitations", Tags: []string{"admin"},
		Summary: "Invite someone by e-mail",
		Description: "E-mails a link to {KPBOT_PUBLIC_URL}/accept-invitation?token=..., valid 7 days; a newer invitation to the address replaces the older. " +
			"The answer is the same whether or not an account uses the address.",
		DefaultStatus: http.StatusCreated,
		Security:      BearerSecurity(),
		Metadata:      map[string]any{MetadataPermission: auth.PermUsersManage},
		Errors:        []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *inviteInput) (*inviteOutput, error) {
		inv, err := s.deps.Auth.Invite(ctx, mustPrincipal(ctx), in.Body.Email, auth.Role(in.Body.Role))
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &inviteOutput{Body: InvitationResponse{Email: inv.Email, Role: string(inv.Role), ExpiresAt: inv.ExpiresAt.UTC()}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "accept-invitation", Method: http.MethodPost, Path: "/api/auth/invitations/accept", Tags: []string{"auth"},
		Summary: "Create the invited account",
		Description: "Creates the account (its address counts as verified) with the invitation's role and opens a first session, as register does. " +
			"A token that is unknown, used or expired is 400; an address registered meanwhile is 409. Rate limited per client IP. " + refreshModeDoc,
		DefaultStatus: http.StatusCreated,
		Middlewares:   huma.Middlewares{s.limitByIP("invitation-accept"), s.markSecure},
		Errors:        []int{http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusTooManyRequests},
	}, func(ctx context.Context, in *acceptInvitationInput) (*tokenOutput, error) {
		res, err := s.deps.Auth.AcceptInvitation(ctx, in.Body.Token, in.Body.Password, in.Body.Name, clientInfo(ctx))
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return tokenResult(ctx, res, in.RefreshMode), nil
	})
}

// ChangeEmailRequest asks to move the account to a new address.
type ChangeEmailRequest struct {
	NewEmail string `json:"new_email" maxLength:"254"`
	Password string `json:"password" maxLength:"1024"`
}

type changeEmailInput struct{ Body ChangeEmailRequest }

// DeleteAccountRequest confirms an account deletion.
type DeleteAccountRequest struct {
	Password string `json:"password" maxLength:"1024"`
}

type deleteAccountInput struct{ Body DeleteAccountRequest }

// registerDeletion adds DELETE /api/auth/me when the auth service can
// erase accounts.
func (s *Server) registerDeletion() {
	if !s.deps.Auth.DeletionEnabled() {
		return
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "delete-account", Method: http.MethodDelete, Path: "/api/auth/me", Tags: []string{"auth"},
		Summary: "Delete the caller's account",
		Description: "Checks password (a wrong one is 422 and counts against the failed-login limit), cancels the caller's active runs, " +
			"then deletes the user with their sessions, campaigns, runs, prospects, drafts, notifications and events in one transaction. " +
			"The last enabled admin cannot delete themself (422).",
		DefaultStatus: http.StatusNoContent,
		Security:      BearerSecurity(),
		Errors:        []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusTooManyRequests},
	}, func(ctx context.Context, in *deleteAccountInput) (*noContent, error) {
		if err := s.deps.Auth.DeleteAccount(ctx, mustPrincipal(ctx), in.Body.Password); err != nil {
			return nil, s.Error(ctx, err)
		}
		return &noContent{}, nil
	})
}

// registerAccount adds the account self-service routes when the auth
// service can send account e-mails.
func (s *Server) registerAccount() {
	if !s.deps.Auth.AccountsEnabled() {
		return
	}
	tags := []string{"auth"}
	s.registerInvitations()
	huma.Register(s.api, huma.Operation{
		OperationID: "change-password", Method: http.MethodPost, Path: "/api/auth/password", Tags: tags,
		Summary: "Change the caller's password",
		Description: "Checks current_password (a wrong one is 422 and counts against the account's failed-login limit), sets new_password, " +
			"revokes every other session of the user on every instance (the caller's stays) and invalidates outstanding reset links. " +
			"The user gets a notification and an e-mail.",
		DefaultStatus: http.StatusNoContent,
		Security:      BearerSecurity(),
		Errors:        []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusTooManyRequests},
	}, func(ctx context.Context, in *changePasswordInput) (*noContent, error) {
		if err := s.deps.Auth.ChangePassword(ctx, mustPrincipal(ctx), in.Body.CurrentPassword, in.Body.NewPassword); err != nil {
			return nil, s.Error(ctx, err)
		}
		return &noContent{}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "forgot-password", Method: http.MethodPost, Path: "/api/auth/password/forgot", Tags: tags,
		Summary: "Ask for a password reset link",
		Description: "Always 202 with the same body, whether or not an account uses the address (which receives either a reset link, " +
			"valid 30 minutes, or a notice that no account uses it). Rate limited per client IP (429) and per address (beyond it, nothing is sent).",
		DefaultStatus: http.StatusAccepted,
		Middlewares:   huma.Middlewares{s.limitByIP("password-forgot")},
		Errors:        []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusTooManyRequests, http.StatusServiceUnavailable},
	}, func(ctx context.Context, in *forgotInput) (*acceptedOutput, error) {
		if err := s.deps.Auth.ForgotPassword(ctx, in.Body.Email); err != nil {
			return nil, s.Error(ctx, err)
		}
		return &acceptedOutput{Body: AcceptedResponse{Message: forgotAccepted}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "reset-password", Method: http.MethodPost, Path: "/api/auth/password/reset", Tags: tags,
		Summary: "Set a new password with a reset link",
		Description: "Sets new_password and revokes every session of the user. A token that is unknown, used, expired or replaced by a newer link " +
			"is 400 with one detail for all. Rate limited per client IP.",
		DefaultStatus: http.StatusNoContent,
		Middlewares:   huma.Middlewares{s.limitByIP("password-reset")},
		Errors:        []int{http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusTooManyRequests},
	}, func(ctx context.Context, in *resetInput) (*noContent, error) {
		if err := s.deps.Auth.ResetPassword(ctx, in.Body.Token, in.Body.NewPassword); err != nil {
			return nil, s.Error(ctx, err)
		}
		return &noContent{}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "verify-email", Method: http.MethodPost, Path: "/api/auth/email/verify", Tags: tags,
		Summary: "Confirm an e-mail address with the link's token",
		Description: "Marks the account's address verified (the link of the verification e-mail sent at register, or a newer one). " +
			"A token that is unknown, used or expired is 400 with one detail for all. Rate limited per client IP.",
		DefaultStatus: http.StatusNoContent,
		Middlewares:   huma.Middlewares{s.limitByIP("email-verify")},
		Errors:        []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusTooManyRequests},
	}, func(ctx context.Context, in *verifyEmailInput) (*noContent, error) {
		if err := s.deps.Auth.VerifyEmail(ctx, in.Body.Token); err != nil {
			return nil, s.Error(ctx, err)
		}
		return &noContent{}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "resend-verification", Method: http.MethodPost, Path: "/api/auth/email/verify/resend", Tags: tags,
		Summary:       "Send the caller a new verification link",
		Description:   "202; the older link stops working. Nothing is sent when the address is already verified. A few per 15 minutes, then 429.",
		DefaultStatus: http.StatusAccepted,
		Security:      BearerSecurity(),
		Errors:        []int{http.StatusUnauthorized, http.StatusTooManyRequests},
	}, func(ctx context.Context, _ *noInput) (*acceptedOutput, error) {
		if err := s.deps.Auth.ResendVerification(ctx, mustPrincipal(ctx)); err != nil {
			return nil, s.Error(ctx, err)
		}
		return &acceptedOutput{Body: AcceptedResponse{Message: "If your address is not verified yet, a new link is on its way."}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "change-email", Method: http.MethodPost, Path: "/api/auth/email", Tags: tags,
		Summary: "Move the caller's account to a new address",
		Description: "Checks password (a wrong one is 422), then e-mails a link ({KPBOT_PUBLIC_URL}/verify-email?token=..., 24 hours) to new_email " +
			"and a notice to the current address. The address changes when the link is used (POST /api/auth/email/verify), which is 409 if " +
			"another account has the address by then.",
		DefaultStatus: http.StatusAccepted,
		Security:      BearerSecurity(),
		Errors:        []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusTooManyRequests},
	}, func(ctx context.Context, in *changeEmailInput) (*acceptedOutput, error) {
		if err := s.deps.Auth.RequestEmailChange(ctx, mustPrincipal(ctx), in.Body.NewEmail, in.Body.Password); err != nil {
			return nil, s.Error(ctx, err)
		}
		return &acceptedOutput{Body: AcceptedResponse{Message: "Open the link sent to the new address to finish the change."}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "admin-send-password-reset", Method: http.MethodPost, Path: "/api/admin/users/{id}/password-reset", Tags: []string{"admin"},
		Summary:       "E-mail a user a password reset link",
		Description:   "The admin never sees the link or sets the password. 202 once the e-mail is queued.",
		DefaultStatus: http.StatusAccepted,
		Security:      BearerSecurity(),
		Metadata:      map[string]any{MetadataPermission: auth.PermUsersManage},
		Errors:        []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound},
	}, func(ctx context.Context, in *adminUserIDInput) (*noContent, error) {
		if err := s.deps.Auth.SendPasswordReset(ctx, mustPrincipal(ctx), in.ID); err != nil {
			return nil, s.Error(ctx, err)
		}
		return &noContent{}, nil
	})
}
