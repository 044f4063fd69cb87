package discord

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/bwmarrin/discordgo"

	"travelbot/bot"
)

// answerTimeout bounds one conversation call (a question, a button).
const answerTimeout = 30 * time.Second

// errorText is what a user sees when answering failed on our side.
func errorText() string { return bot.TextWith112(bot.KeySorry, "en") }

// chatKind is the bot's kind of chat for a Discord event: a DM has no
// guild.
func chatKind(guildID string) string {
	if guildID == "" {
		return bot.ChatPrivate
	}
	return bot.ChatGroup
}

// message is the bot.Message of an interaction, without text.
func message(i *discordgo.Interaction) bot.Message {
	return bot.Message{Channel: channel, UserID: userID(i), Chat: i.ChannelID, ChatKind: chatKind(i.GuildID)}
}

// noMentions allows no pings at all: "parse": [] (a nil slice would marshal
// to null, which is not the same thing), and no ping for the replied user.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

func (a *Adapter) onInteraction(s *discordgo.Session, ic *discordgo.InteractionCreate) {
	if ic == nil || ic.Interaction == nil {
		return
	}
	i, received := ic.Interaction, time.Now()
	a.spawn(func() { a.interaction(s, i, received) })
}

// interaction answers one interaction. A panic anywhere in it is logged
// and the user gets an error reply.
func (a *Adapter) interaction(s *discordgo.Session, i *discordgo.Interaction, received time.Time) {
	r := &responder{a: a, s: s, i: i, received: received}
	if finish, mine := a.claim(r); !mine {
		return
	} else if finish != nil {
		// The claim is done once a response went out; otherwise another
		// replica may take it over at once.
		defer func() { finish(r.state != fresh) }()
	}
	defer func() {
		if v := recover(); v != nil {
			a.logPanic("interaction", v, debug.Stack())
			r.fail()
		}
	}()
	switch i.Type {
	case discordgo.InteractionApplicationCommandAutocomplete:
		a.autocomplete(r)
	case discordgo.InteractionApplicationCommand:
		a.command(r)
	case discordgo.InteractionMessageComponent:
		a.component(r)
	}
}

// claim takes the interaction for this replica when Options.Claims is set.
// mine is false when another replica answered it already. When the claim
// cannot be checked (the store is down) the interaction is answered
// anyway: twice is better than never. The claim must be had within the
// 3 s deadline, like the response it precedes.
func (a *Adapter) claim(r *responder) (finish func(bool), mine bool) {
	if a.opts.Claims == nil {
		return nil, true
	}
	ctx, cancel := r.firstCtx()
	defer cancel()
	finish, err := a.opts.Claims.Claim(ctx, claimKey(r.i))
	switch {
	case err != nil && a.base.Err() != nil:
		return nil, false
	case err != nil:
		a.log.Warn("discord: cannot claim an interaction; answering it anyway", "interaction", r.i.ID, "err", err)
		return nil, true
	case finish == nil:
		return nil, false
	}
	return finish, true
}

func (a *Adapter) logPanic(where string, v any, stack []byte) {
	a.log.Error("discord: panic while answering", "where", where, "panic", a.redact(fmt.Sprint(v)), "stack", string(stack))
}

func (a *Adapter) command(r *responder) {
	data, ok := r.i.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok {
		return
	}
	m := message(r.i)
	switch data.Name {
	case cmdAsk:
		q := stringOption(data.Options, optQuestion)
		a.answer(r, a.opts.Ephemeral, func(ctx context.Context) bot.Reply { return a.ask(ctx, m, q) })
	case cmdTopics:
		a.answer(r, true, func(context.Context) bot.Reply { return a.conv.Topics() })
	case cmdReload:
		a.reload(r, m)
	default:
		a.answer(r, true, func(context.Context) bot.Reply { return a.conv.HelpFor(m.ChatKind == bot.ChatGroup) })
	}
}

// ask answers /ask. A question that is exactly an entry id or its hash
// (what an autocomplete choice sends) answers that entry directly.
func (a *Adapter) ask(ctx context.Context, m bot.Message, q string) bot.Reply {
	if strings.HasPrefix(q, hashMark) && !strings.ContainsFunc(q, unicode.IsSpace) {
		// A choice for an entry whose id is too long for a choice value.
		if id := a.resolve(q); id != "" {
			m.Text = id
			return a.conv.Pick(ctx, m, id)
		}
	}
	if looksLikeID(q) && a.conv.EntryReply(q).Kind != bot.KindNone {
		m.Text = q
		return a.conv.Pick(ctx, m, q)
	}
	m.Text = q
	return a.conv.Ask(ctx, m)
}

func looksLikeID(s string) bool {
	return s != "" && runeLen(s) <= maxChoiceValue && strings.IndexFunc(s, unicode.IsSpace) < 0
}

func (a *Adapter) component(r *responder) {
	data, ok := r.i.Data.(discordgo.MessageComponentInteractionData)
	if !ok {
		return
	}
	m := message(r.i)
	switch id := data.CustomID; {
	case strings.HasPrefix(id, entryPrefix):
		ref, qid, _ := strings.Cut(strings.TrimPrefix(id, entryPrefix), qidSep)
		entry := a.resolve(ref)
		m.Text, m.QuestionID = entry, qid
		a.answer(r, a.opts.Ephemeral, func(ctx context.Context) bot.Reply { return a.conv.Pick(ctx, m, entry) })
	case strings.HasPrefix(id, pagePrefix):
		page, _ := strconv.Atoi(strings.TrimPrefix(id, pagePrefix))
		if err := r.send(renderTopics(a.conv.Topics(), page), true, true); err != nil {
			a.log.Warn("discord: topics page not shown", "err", err)
		}
	case strings.HasPrefix(id, followUpPrefix):
		pageText, rest, _ := strings.Cut(strings.TrimPrefix(id, followUpPrefix), ":")
		page, _ := strconv.Atoi(pageText)
		ref, qid, _ := strings.Cut(rest, qidSep)
		reply := a.conv.EntryReply(a.resolve(ref))
		reply.QuestionID = qid
		comps := answerComponents(reply, page)
		var err error
		if a.pageInPlace(r.i) {
			err = r.updateComponents(comps)
		} else {
			err = r.send([]outgoing{{Content: joinLines(urgentLine(reply), reply.Question, bot.Text(bot.KeyRelated, reply.Language)), Components: comps}}, true, false)
		}
		if err != nil {
			a.log.Warn("discord: follow-ups page not shown", "err", err)
		}
	case strings.HasPrefix(id, voteUp), strings.HasPrefix(id, voteDown):
		a.vote(r, m, id)
	case strings.HasPrefix(id, nonePrefix):
		qid := strings.TrimPrefix(id, nonePrefix)
		m.QuestionID = qid
		a.answer(r, a.opts.Ephemeral, func(ctx context.Context) bot.Reply { return a.conv.NoneOfThese(ctx, m, qid) })
	default:
		a.answer(r, true, func(context.Context) bot.Reply { return a.conv.HelpFor(m.ChatKind == bot.ChatGroup) })
	}
}

// resolve turns a custom id's entry reference back into the entry id: a
// hash is looked up among the FAQ's entries. An unknown hash (an entry
// removed by a reload) gives "", which the bot answers with its fallback.
func (a *Adapter) resolve(ref string) string {
	h, hashed := strings.CutPrefix(ref, hashMark)
	if !hashed {
		return ref
	}
	for _, c := range a.conv.Topics().Choices {
		if entryHash(c.ID) == h {
			return c.ID
		}
	}
	return ""
}

// pageInPlace reports whether a "More"/"Previous" press under an answer
// may turn the page of the message it was pressed on, which everyone who
// sees that message then sees turned. With private answers
// (Options.Ephemeral) it always may, as before. In public mode only when
// the message is not the channel's (a DM, or an ephemeral message: a page
// sent privately before) or the member who pressed is the one it answered:
// another member paging someone's public answer gets that page as a
// private message of their own, and the channel's message stays as it is.
// When the asker cannot be told (a reply in several messages, whose
// buttons are on one that replies to no one), the page goes privately.
func (a *Adapter) pageInPlace(i *discordgo.Interaction) bool {
	if a.opts.Ephemeral || i.GuildID == "" {
		return true
	}
	m := i.Message
	if m == nil {
		return false
	}
	if m.Flags&discordgo.MessageFlagsEphemeral != 0 {
		return true
	}
	var asker string
	switch {
	case m.InteractionMetadata != nil && m.InteractionMetadata.User != nil:
		asker = m.InteractionMetadata.User.ID // the answer to /ask or to a pick
	case m.Interaction != nil && m.Interaction.User != nil:
		asker = m.Interaction.User.ID // the same, in the field it replaces
	case m.ReferencedMessage != nil && m.ReferencedMessage.Author != nil:
		asker = m.ReferencedMessage.Author.ID // the reply to a mention
	}
	return asker != "" && asker == userID(i)
}

// vote records 👍 or 👎 and acknowledges it. With private answers
// (Options.Ephemeral) the message it was pressed on is the voter's own and
// is updated: both buttons disabled, the one pressed highlighted; no new
// message. A 👎 that asks "What were you looking for?" also sends that
// question privately, since it expects an answer. In public mode the
// message is the whole channel's: updating it would show everyone the
// verdict and take the buttons from the other members, so it is left as
// it is and the voter alone gets the reply (the thanks, or the question).
func (a *Adapter) vote(r *responder, m bot.Message, customID string) {
	v, qid := bot.VoteUp, strings.TrimPrefix(customID, voteUp)
	if strings.HasPrefix(customID, voteDown) {
		v, qid = bot.VoteDown, strings.TrimPrefix(customID, voteDown)
	}
	ctx, cancel := context.WithTimeout(a.base, answerTimeout)
	defer cancel()
	reply := a.conv.Feedback(ctx, m, qid, v)
	if !a.opts.Ephemeral {
		if err := r.send(render(reply), true, false); err != nil {
			a.log.Warn("discord: vote not acknowledged", "err", err)
		}
		return
	}
	var comps []discordgo.MessageComponent
	if r.i.Message != nil {
		comps = votedComponents(r.i.Message.Components, customID)
	}
	if err := r.updateComponents(comps); err != nil {
		a.log.Warn("discord: vote not acknowledged", "err", err)
		return
	}
	if reply.AwaitsNote() {
		if err := r.send(render(reply), true, false); err != nil {
			a.log.Warn("discord: note question not delivered", "err", err)
		}
	}
}

// votedComponents is a message's components with its 👍/👎 disabled and
// the one pressed highlighted.
func votedComponents(comps []discordgo.MessageComponent, pressed string) []discordgo.MessageComponent {
	out := make([]discordgo.MessageComponent, 0, len(comps))
	for _, c := range comps {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			out = append(out, c)
			continue
		}
		nr := discordgo.ActionsRow{}
		for _, b := range row.Components {
			if btn, ok := b.(*discordgo.Button); ok && (strings.HasPrefix(btn.CustomID, voteUp) || strings.HasPrefix(btn.CustomID, voteDown)) {
				nb := *btn
				nb.Disabled = true
				if nb.CustomID == pressed {
					nb.Style = discordgo.PrimaryButton
				}
				nr.Components = append(nr.Components, nb)
				continue
			}
			nr.Components = append(nr.Components, b)
		}
		out = append(out, nr)
	}
	return out
}

// reload always defers first: a reload of a big FAQ can take longer than
// Discord's 3 s, and its answer is private.
func (a *Adapter) reload(r *responder, m bot.Message) {
	if err := r.deferReply(true); err != nil {
		a.log.Warn("discord: reload not acknowledged", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(a.base, reloadTimeout)
	defer cancel()
	out := <-a.produce(ctx, func(ctx context.Context) bot.Reply { return a.conv.Reload(ctx, m) })
	if out.panicked != nil {
		a.logPanic("reload", out.panicked, out.stack)
		r.fail()
		return
	}
	if err := r.send(render(out.reply), true, false); err != nil {
		a.log.Warn("discord: reload result not delivered", "err", err)
	}
}

// outcome is a conversation call's reply, or the panic it ended in.
type outcome struct {
	reply    bot.Reply
	panicked any
	stack    []byte
}

// produce runs fn in its own goroutine so its caller can acknowledge the
// interaction meanwhile; a panic in fn comes back as an outcome.
func (a *Adapter) produce(ctx context.Context, fn func(context.Context) bot.Reply) <-chan outcome {
	ch := make(chan outcome, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				ch <- outcome{panicked: v, stack: debug.Stack()}
			}
		}()
		ch <- outcome{reply: fn(ctx)}
	}()
	return ch
}

// answer replies with fn's reply. If the reply is not ready
// Options.DeferAfter after the interaction arrived, the interaction is
// acknowledged first ("thinking…", private when deferPrivate) and the
// reply edited in when it is ready, so Discord's 3 s deadline is always
// met.
func (a *Adapter) answer(r *responder, deferPrivate bool, fn func(context.Context) bot.Reply) {
	ctx, cancel := context.WithTimeout(a.base, answerTimeout)
	defer cancel()
	ch := a.produce(ctx, fn)
	// DeferAfter counts from when the interaction arrived, as Discord's
	// 3 s do: the time a claim took (Options.Claims may wait on another
	// replica) is already spent.
	t := time.NewTimer(time.Until(r.received.Add(a.opts.DeferAfter)))
	var out outcome
	select {
	case out = <-ch:
		t.Stop()
	case <-t.C:
		if err := r.deferReply(deferPrivate); err != nil {
			a.log.Warn("discord: interaction not acknowledged", "err", err)
		}
		out = <-ch
	}
	if out.panicked != nil {
		a.logPanic("answer", out.panicked, out.stack)
		r.fail()
		return
	}
	if err := r.send(render(out.reply), a.private(out.reply), false); err != nil {
		a.log.Warn("discord: reply not delivered", "kind", string(out.reply.Kind), "err", err)
	}
}

// private says whether a reply is shown only to the person who asked:
// answers follow Options.Ephemeral; everything else is always private.
func (a *Adapter) private(r bot.Reply) bool {
	switch r.Kind {
	case bot.KindAnswer, bot.KindClarify, bot.KindNone, bot.KindRephrase:
		return a.opts.Ephemeral
	}
	return true
}

// autocomplete offers up to 25 entries for what the user has typed so far.
// Autocomplete cannot be deferred: it must be answered within 3 s.
func (a *Adapter) autocomplete(r *responder) {
	data, ok := r.i.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok {
		return
	}
	typed := ""
	for _, o := range data.Options {
		if o != nil && (o.Focused || o.Name == optQuestion) {
			typed, _ = o.Value.(string)
			if o.Focused {
				break
			}
		}
	}
	var choices []choice
	for _, c := range a.conv.Suggest(typed, maxChoices) {
		if len(choices) == maxChoices {
			break
		}
		if c.ID == "" {
			continue
		}
		value := c.ID
		if runeLen(value) > maxChoiceValue {
			value = hashMark + entryHash(c.ID) // ask resolves it
		}
		name := strings.TrimSpace(c.Question)
		if name == "" {
			name = c.ID
		}
		choices = append(choices, choice{Name: truncate(name, maxChoiceName), Value: value})
	}
	if err := r.choices(choices); err != nil {
		a.log.Warn("discord: autocomplete not delivered", "err", err)
	}
}

// choice is an autocomplete choice on the wire.
type choice struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// responder answers one interaction, keeping track of what has been sent
// so each message goes out the right way: the first as the interaction
// response (or the edit of a deferred one), the rest as follow-ups.
// It is used by one goroutine.
type responder struct {
	a        *Adapter
	s        *discordgo.Session
	i        *discordgo.Interaction
	received time.Time
	state    int
	// deferredPrivate is the privacy the deferral gave the original
	// response, which its edit keeps.
	deferredPrivate bool
}

const (
	fresh    = iota // nothing sent yet
	deferred        // acknowledged with type 5; the original is to be edited
	answered        // the original response exists; more goes in follow-ups
)

// firstCtx bounds the first response by Discord's 3 s deadline.
func (r *responder) firstCtx() (context.Context, context.CancelFunc) {
	return context.WithDeadline(r.a.base, r.received.Add(interactionDeadline))
}

func (r *responder) laterCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.a.base, r.a.opts.RESTTimeout)
}

func flags(private bool) discordgo.MessageFlags {
	if private {
		return discordgo.MessageFlagsEphemeral
	}
	return 0
}

// deferReply acknowledges the interaction ("thinking…"); the reply comes
// later as an edit, with the privacy chosen here.
func (r *responder) deferReply(private bool) error {
	if r.state != fresh {
		return nil
	}
	ctx, cancel := r.firstCtx()
	defer cancel()
	err := r.a.call(ctx, "interaction_defer", true, func(opts ...discordgo.RequestOption) error {
		return r.s.InteractionRespond(r.i, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: flags(private), AllowedMentions: noMentions()},
		}, opts...)
	})
	if err == nil {
		r.state, r.deferredPrivate = deferred, private
	}
	return err
}

// repliedPrivately is what a public deferral's "thinking…" becomes when
// the reply turns out to be private: the reply itself follows as an
// ephemeral follow-up.
const repliedPrivately = "I've sent you my reply privately."

// send delivers msgs. update makes the first message replace the message
// whose button was pressed instead of adding a new one.
func (r *responder) send(msgs []outgoing, private, update bool) error {
	for n, m := range msgs {
		var err error
		switch {
		case n == 0 && r.state == fresh:
			err = r.respond(m, private, update)
		case n == 0 && r.state == deferred && private && !r.deferredPrivate:
			// The deferral made the original public, and an edit keeps
			// it so ("an existing message's ephemeral state cannot be
			// changed"): a private reply (an error, the rate limit's
			// note) must not go there. A private deferral with a public
			// reply is edited as it is: private is the safe side.
			if err = r.edit(outgoing{Content: repliedPrivately}); err == nil {
				r.state = answered
				err = r.followUp(m, true)
			}
		case n == 0 && r.state == deferred:
			err = r.edit(m)
		default:
			err = r.followUp(m, private)
		}
		if err != nil {
			return err
		}
		r.state = answered
	}
	return nil
}

// callbackData is the data of a message interaction response (types 4
// and 7) as Discord's API describes it. discordgo's InteractionResponseData
// always sends "tts", which an update (type 7) does not take.
type callbackData struct {
	Content         string                            `json:"content"`
	Embeds          []*discordgo.MessageEmbed         `json:"embeds"`
	Components      []discordgo.MessageComponent      `json:"components"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	Flags           discordgo.MessageFlags            `json:"flags,omitempty"`
}

type callbackBody struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data any                               `json:"data"`
}

func (r *responder) respond(m outgoing, private, update bool) error {
	body := callbackBody{Type: discordgo.InteractionResponseChannelMessageWithSource}
	data := callbackData{
		Content:         m.Content,
		Embeds:          nonNil(m.Embeds),
		Components:      nonNil(m.Components),
		AllowedMentions: noMentions(),
		Flags:           flags(private),
	}
	if update {
		body.Type = discordgo.InteractionResponseUpdateMessage
		data.Flags = 0 // an update keeps the message's own flags
	}
	body.Data = data
	return r.callback("interaction_respond", body)
}

// updateComponents answers a button press by changing only the buttons of
// the message it was on (type 7 with components alone: the content and
// embeds, the 112 line among them, stay as they are).
func (r *responder) updateComponents(comps []discordgo.MessageComponent) error {
	if r.state != fresh {
		return nil
	}
	body := callbackBody{Type: discordgo.InteractionResponseUpdateMessage, Data: struct {
		Components      []discordgo.MessageComponent      `json:"components"`
		AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	}{nonNil(comps), noMentions()}}
	err := r.callback("interaction_update", body)
	if err == nil {
		r.state = answered
	}
	return err
}

// callback posts an interaction response within Discord's 3 s deadline.
func (r *responder) callback(method string, body callbackBody) error {
	ctx, cancel := r.firstCtx()
	defer cancel()
	endpoint := discordgo.EndpointInteractionResponse(r.i.ID, r.i.Token)
	return r.a.call(ctx, method, true, func(opts ...discordgo.RequestOption) error {
		_, err := r.s.RequestWithBucketID("POST", endpoint, body, endpoint, opts...)
		return err
	})
}

func (r *responder) edit(m outgoing) error {
	content, embeds, comps := m.Content, nonNil(m.Embeds), nonNil(m.Components)
	ctx, cancel := r.laterCtx()
	defer cancel()
	return r.a.call(ctx, "interaction_edit", true, func(opts ...discordgo.RequestOption) error {
		_, err := r.s.InteractionResponseEdit(r.i, &discordgo.WebhookEdit{
			Content:         &content,
			Embeds:          &embeds,
			Components:      &comps,
			AllowedMentions: noMentions(),
		}, opts...)
		return err
	})
}

func (r *responder) followUp(m outgoing, private bool) error {
	ctx, cancel := r.laterCtx()
	defer cancel()
	return r.a.call(ctx, "interaction_followup", false, func(opts ...discordgo.RequestOption) error {
		_, err := r.s.FollowupMessageCreate(r.i, true, &discordgo.WebhookParams{
			Content:         m.Content,
			Embeds:          nonNil(m.Embeds),
			Components:      nonNil(m.Components),
			AllowedMentions: noMentions(),
			Flags:           flags(private),
		}, opts...)
		return err
	})
}

// choices answers an autocomplete interaction. discordgo's response type
// drops an empty choices list (omitempty); Discord wants "choices": [].
func (r *responder) choices(cs []choice) error {
	if cs == nil {
		cs = []choice{}
	}
	body := callbackBody{Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: struct {
		Choices []choice `json:"choices"`
	}{cs}}
	err := r.callback("autocomplete", body)
	if err == nil {
		r.state = answered
	}
	return err
}

// fail tells the user something went wrong, however far the reply got.
func (r *responder) fail() {
	var err error
	if r.i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		if r.state == fresh {
			err = r.choices(nil)
		}
	} else {
		err = r.send([]outgoing{{Content: errorText()}}, true, false)
	}
	if err != nil {
		r.a.log.Warn("discord: error reply not delivered", "err", err)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// userID is the Discord id of whoever caused the interaction: the member's
// user in a guild, the user in a DM.
func userID(i *discordgo.Interaction) string {
	switch {
	case i.Member != nil && i.Member.User != nil:
		return i.Member.User.ID
	case i.User != nil:
		return i.User.ID
	}
	return ""
}

func stringOption(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) string {
	for _, o := range opts {
		if o != nil && o.Name == name {
			s, _ := o.Value.(string)
			return strings.TrimSpace(s)
		}
	}
	return ""
}
