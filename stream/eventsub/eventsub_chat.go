package eventsub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream"
)

// Scopes of chat over EventSub and Helix Send Chat Message: the bot reads
// with ScopeReadChat and writes with ScopeWriteChat; each broadcaster
// grants ScopeChannelBot so the bot may.
const (
	ScopeReadChat   = "user:read:chat"
	ScopeWriteChat  = "user:write:chat"
	ScopeChannelBot = "channel:bot"
)

// chatSubscription is channel.chat.message, made with the bot's token for
// each channel whose chat comes over EventSub.
var chatSubscription = Subscription{"channel.chat.message", "1", []string{ScopeReadChat}}

// chatPlan subscribes with the bot's token to the chat of channels, read
// over EventSub.
func (e *Client) chatPlan(channels []string) plan {
	channels = slices.Clone(channels)
	return func(ctx context.Context, tok hearth.Token) ([]spec, error) {
		if !chatSubscription.allowed(tok) {
			return nil, nil
		}
		var out []spec
		for _, ch := range channels {
			id, err := e.broadcasterID(ctx, ch)
			if err != nil {
				return nil, fmt.Errorf("the broadcaster id of %s: %w", ch, err)
			}
			out = append(out, spec{chatSubscription, ch, map[string]string{"broadcaster_user_id": id, "user_id": tok.UserID}})
		}
		return out, nil
	}
}

// broadcasterID asks BroadcasterID, or else takes the id from the
// broadcaster's own token.
func (e *Client) broadcasterID(ctx context.Context, channel string) (string, error) {
	if e.cfg.BroadcasterID != nil {
		return e.cfg.BroadcasterID(ctx, channel)
	}
	tok, err := e.cfg.Tokens.Token(ctx, channel)
	if err != nil {
		return "", err
	}
	return tok.UserID, nil
}

// esChat is the event of channel.chat.message, with the fields Hearth
// reads.
type esChat struct {
	BroadcasterID    string `json:"broadcaster_user_id"`
	BroadcasterLogin string `json:"broadcaster_user_login"`
	ChatterID        string `json:"chatter_user_id"`
	ChatterLogin     string `json:"chatter_user_login"`
	ChatterName      string `json:"chatter_user_name"`
	MessageID        string `json:"message_id"`
	Color            string `json:"color"`
	Message          struct {
		Text      string `json:"text"`
		Fragments []struct {
			Type  string `json:"type"`
			Text  string `json:"text"`
			Emote *struct {
				ID string `json:"id"`
			} `json:"emote"`
		} `json:"fragments"`
	} `json:"message"`
	Badges []struct {
		SetID string `json:"set_id"`
	} `json:"badges"`
	Cheer *struct {
		Bits int `json:"bits"`
	} `json:"cheer"`
	// SourceBroadcasterID is the channel a Shared Chat message was sent
	// in; null for the channel's own messages.
	SourceBroadcasterID *string `json:"source_broadcaster_user_id"`
}

// normalizeChat turns channel.chat.message into the EventChat that IRC's
// PRIVMSG of the same message gives: Twitch's message id is the same on
// both, so a message both transports deliver counts once.
func normalizeChat(event json.RawMessage, at time.Time) (hearth.Event, error) {
	var e esChat
	if err := json.Unmarshal(event, &e); err != nil {
		return hearth.Event{}, stream.Malformed("eventsub_json")
	}
	ch := hearth.NormalizeChannel(e.BroadcasterLogin)
	if ch == "" {
		return hearth.Event{}, stream.Malformed("channel")
	}
	user, err := stream.Identity(e.ChatterID, e.ChatterLogin, e.ChatterName)
	if err != nil {
		return hearth.Event{}, err
	}
	if e.MessageID == "" {
		return hearth.Event{}, stream.Malformed("message_id")
	}
	badges := make(map[string]int, len(e.Badges))
	var badgeTag, emoteTag strings.Builder
	for i, b := range e.Badges {
		badges[b.SetID] = 1
		if i > 0 {
			badgeTag.WriteByte(',')
		}
		badgeTag.WriteString(b.SetID)
	}
	// The fragments spell the message in order: an emote's place is the
	// code points of the fragments before it, as IRC's emotes tag gives.
	pos := 0
	for _, f := range e.Message.Fragments {
		n := utf8.RuneCountInString(f.Text)
		if f.Type == "emote" && f.Emote != nil && n > 0 && hearth.ValidEmoteID(f.Emote.ID) {
			fmt.Fprintf(&emoteTag, "%s:%d-%d/", f.Emote.ID, pos, pos+n-1)
		}
		pos += n
	}
	text := stream.ClampText(e.Message.Text)
	ev := hearth.Event{
		Kind:      hearth.EventChat,
		Channel:   ch,
		ChannelID: e.BroadcasterID,
		ID:        e.MessageID,
		Time:      at,
		User:      user,
		Roles:     stream.Roles(badges, user.ID, e.BroadcasterID),
		Text:      text,
		Color:     stream.Color(e.Color),
		Badges:    stream.Badges(badgeTag.String()),
		Emotes:    stream.Emotes(emoteTag.String(), text),
	}
	if e.Cheer != nil {
		ev.Bits = max(e.Cheer.Bits, 0)
	}
	if src := deref(e.SourceBroadcasterID); src != "" && src != e.BroadcasterID {
		ev.SourceChannelID = src
	}
	return ev, nil
}

// ChatConfig configures a Chat.
type ChatConfig struct {
	// URL is Helix Send Chat Message (Twitch's:
	// https://api.twitch.tv/helix/chat/messages).
	URL      string
	ClientID string
	// Tokens gives the bot's token (hearth.TokenBot), with
	// ScopeWriteChat.
	Tokens hearth.TokenSource
	// BroadcasterID returns a channel's Twitch user id.
	BroadcasterID func(ctx context.Context, channel string) (string, error)
	// UserLimit, Window and QueueSize bound the bot's messages as for IRC
	// (defaults: Twitch's 20 per 30 s, 50 waiting).
	UserLimit int
	Window    time.Duration
	QueueSize int
	// Observer, if set, counts replies sent and dropped.
	Observer   stream.Observer
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Chat sends the bot's replies with Helix Send Chat Message, for
// channels whose chat is read over EventSub, under the same rate limits as
// chat over IRC.
type Chat struct {
	cfg     ChatConfig
	limiter *stream.Limiter
	obs     stream.Observer
	log     *slog.Logger
}

// NewChat checks cfg and returns a Chat; Run sends.
func NewChat(cfg ChatConfig) (*Chat, error) {
	if cfg.URL == "" || cfg.Tokens == nil || cfg.BroadcasterID == nil {
		return nil, errors.New("helix chat: the Send Chat Message URL, a token source and broadcaster ids are required")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: stream.DefaultHTTPTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	obs := cfg.Observer
	if obs == nil {
		obs = stream.NopObserver{}
	}
	user := stream.Positive(cfg.UserLimit, stream.DefaultUserLimit)
	return &Chat{
		cfg:     cfg,
		limiter: stream.NewLimiter(user, user, stream.Positive(cfg.Window, stream.DefaultWindow), stream.Positive(cfg.QueueSize, stream.DefaultQueueSize)),
		obs:     obs,
		log:     cfg.Logger,
	}, nil
}

// Say queues a reply to channel; past the rate limit it waits, and the
// oldest waiting reply is dropped when too many wait.
func (h *Chat) Say(channel, text string) {
	text = stream.SanitizeReply(text)
	if text == "" {
		return
	}
	if h.limiter.Push(stream.Outgoing{Channel: channel, Text: text}) {
		h.obs.ReplyDropped(channel)
	}
}

// Run sends queued replies until ctx ends.
func (h *Chat) Run(ctx context.Context) {
	h.limiter.Run(ctx, nil, func(o stream.Outgoing) {
		if err := h.send(ctx, o); err != nil {
			h.obs.ReplyDropped(o.Channel)
			h.log.Warn("helix chat: reply not sent", "channel", o.Channel, "err", err)
		} else {
			h.obs.ReplySent(o.Channel)
		}
	})
}

func (h *Chat) send(ctx context.Context, o stream.Outgoing) error {
	tok, err := h.cfg.Tokens.Token(ctx, hearth.TokenBot)
	if err != nil {
		return err
	}
	id, err := h.cfg.BroadcasterID(ctx, o.Channel)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"broadcaster_id": id, "sender_id": tok.UserID, "message": o.Text})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("helix chat: bad Send Chat Message URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Client-Id", h.cfg.ClientID)
	req.Header.Set("Authorization", "Bearer "+tok.Access)
	resp, err := h.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("helix chat: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var answer struct {
		Data []struct {
			IsSent     bool `json:"is_sent"`
			DropReason *struct {
				Message string `json:"message"`
			} `json:"drop_reason"`
		} `json:"data"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(data, &answer)
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		h.cfg.Tokens.Invalidate(hearth.TokenBot)
		return &twitchError{status: resp.StatusCode, message: strings.TrimSpace(answer.Message)}
	case resp.StatusCode != http.StatusOK:
		return &twitchError{status: resp.StatusCode, message: strings.TrimSpace(answer.Message)}
	case len(answer.Data) == 1 && !answer.Data[0].IsSent && answer.Data[0].DropReason != nil:
		return fmt.Errorf("helix chat: Twitch dropped the message: %s", answer.Data[0].DropReason.Message)
	}
	return nil
}
