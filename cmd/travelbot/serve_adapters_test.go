package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"travelbot/bot/discord/discordtest"
	"travelbot/bot/telegram/telegramtest"
)

// TestServeWithAdapters runs the real `travelbot serve` with both adapters
// on, pointed by the environment at a fake Telegram Bot API and a fake
// Discord. A traveler's question reaches an answer through each platform,
// an admin reloads from each chat through the one reload path, /readyz
// says ready with both connected, and shutdown is clean. Every wait is on
// something announced: a fake's record of what it was sent, a reload.
func TestServeWithAdapters(t *testing.T) {
	tg := telegramtest.New(t)
	dc := discordtest.New(t)

	dir := t.TempDir()
	faqPath := filepath.Join(dir, "faq.yaml")
	writeFile(t, faqPath, faqYAML("Yes."))
	cfgPath := filepath.Join(dir, "travelbot.yaml")
	writeFile(t, cfgPath, "faq: faq.yaml\nhttp_addr: 127.0.0.1:0\nlog_format: json\nwatch: false\nshutdown_timeout: 5s\n")
	const tgAdmin, tgUser = 7001, 7002
	const dcAdmin, dcUser = "300000000000000001", "300000000000000002"
	env := map[string]string{
		"TRAVELBOT_TELEGRAM_TOKEN":    telegramtest.Token,
		"TRAVELBOT_TELEGRAM_API_BASE": tg.URL,
		"TRAVELBOT_TELEGRAM_ADMINS":   "7001",
		"TRAVELBOT_DISCORD_TOKEN":     discordtest.Token,
		"TRAVELBOT_DISCORD_API_BASE":  dc.URL,
		"TRAVELBOT_DISCORD_ADMINS":    dcAdmin,
	}
	sv := startServe(t, cfgPath, env)
	url, logs := sv.url, sv.logs

	// Telegram: a question in a private chat, then an admin's /reload and a
	// traveler's refused one.
	tg.Enqueue(telegramtest.PrivateText(tgUser, "Is tap water safe to drink in Milan?"))
	tg.Enqueue(telegramtest.PrivateText(tgAdmin, "/reload"))
	tg.Enqueue(telegramtest.PrivateText(tgUser+1, "/reload"))
	if !tg.WaitUntil(waitTimeout, func() bool {
		return len(tg.SentTo(tgUser)) > 0 && len(tg.SentTo(tgAdmin)) > 0 && len(tg.SentTo(tgUser+1)) > 0
	}) {
		t.Fatalf("telegram replies missing; sent: %+v", tg.Sent())
	}
	if got := tg.SentTo(tgUser)[0].Visible; !strings.Contains(got, "Yes.") {
		t.Errorf("telegram answer = %q, want the water entry", got)
	}
	if got := tg.SentTo(tgAdmin)[0].Visible; !strings.HasPrefix(got, "Reloaded") {
		t.Errorf("telegram admin /reload = %q, want Reloaded...", got)
	}
	if got := tg.SentTo(tgUser + 1)[0].Visible; !strings.Contains(got, "only admins") {
		t.Errorf("telegram non-admin /reload = %q, want a refusal", got)
	}

	// Discord: /ask, then /reload from an admin.
	if !dc.WaitConnected(waitTimeout) {
		t.Fatal("discord adapter did not connect to the fake gateway")
	}
	ask := dc.Command(dcUser, true, "ask", "question", "Is tap water safe to drink in Milan?")
	if err := dc.Interact(ask); err != nil {
		t.Fatal(err)
	}
	req, err := dc.Wait(waitTimeout, discordtest.ForInteraction(ask.Token))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(req.Body), "Yes.") {
		t.Errorf("discord /ask response = %s, want the water entry", req.Body)
	}
	rl := dc.Command(dcAdmin, true, "reload")
	if err := dc.Interact(rl); err != nil {
		t.Fatal(err)
	}
	reqs, err := dc.WaitN(waitTimeout, 2, discordtest.ForInteraction(rl.Token))
	if err != nil {
		t.Fatal(err)
	}
	var edited struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(reqs[len(reqs)-1].Body, &edited); err != nil || !strings.HasPrefix(edited.Content, "Reloaded") {
		t.Errorf("discord /reload final response = %s, want Reloaded...", reqs[len(reqs)-1].Body)
	}
	if rejected := dc.Rejected(); len(rejected) > 0 {
		t.Errorf("the fake Discord rejected %d requests, first: %v", len(rejected), rejected[0])
	}

	// Both chat reloads went through the one reload path (done before the
	// reply said so) and were logged.
	for _, trigger := range []string{"telegram", "discord"} {
		if res := sv.waitReload(t, 0, trigger); !res.OK {
			t.Errorf("%s reload: %+v", trigger, res)
		}
		if _, ok := logs.find(map[string]any{"trigger": trigger, "result": present}); !ok {
			t.Errorf("the %s reload was not logged:\n%s", trigger, logs)
		}
	}

	// Both adapters have answered through their platform, so both are
	// connected: serve is ready.
	code, body, _ := call(t, "GET", url+"/readyz", "", nil)
	adapters, _ := body["adapters"].(map[string]any)
	if code != 200 || body["ready"] != true {
		t.Errorf("/readyz = %d %v after both adapters answered, want ready", code, body)
	}
	for _, name := range []string{"telegram", "discord"} {
		if a, _ := adapters[name].(map[string]any); a["connected"] != true || a["enabled"] != true {
			t.Errorf("/readyz %s = %v, want enabled and connected", name, a)
		}
	}

	sv.stop()
	for _, secret := range []string{telegramtest.Token, discordtest.Token} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a token appears in the log")
		}
	}
}
