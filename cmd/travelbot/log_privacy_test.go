package main

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"travelbot/bot/discord/discordtest"
	"travelbot/bot/telegram/telegramtest"
)

// pseudonym is the hash the question log line used to carry as user=
// (sha256 of "travelbot", the channel and the id, cut to 6 bytes): stable
// for a traveler, so it linked all their questions.
func pseudonym(channel, id string) string {
	sum := sha256.Sum256([]byte("travelbot\x00" + channel + "\x00" + id))
	return hex.EncodeToString(sum[:6])
}

// questionLine is what waitFor looks for to find the line bot.Bot writes
// for each question answered on a channel: its fields, not its wording.
func questionLine(channel string) map[string]any {
	return map[string]any{"channel": channel, "outcome": present, "latency_us": present}
}

// TestLogLinesCarryNoUserID runs `travelbot serve` with both adapters
// against the fake platforms: a Telegram question whose reply cannot be
// delivered (the traveler blocked the bot) and a Discord /ask are logged
// (the question lines, the warning that the reply was not delivered) with
// neither a user field, nor the travelers' ids, nor the stable hash of
// them. It finds the lines by their fields, not their wording.
func TestLogLinesCarryNoUserID(t *testing.T) {
	tg := telegramtest.New(t)
	dc := discordtest.New(t)
	dir := t.TempDir()
	faqPath := filepath.Join(dir, "faq.yaml")
	writeFile(t, faqPath, faqYAML("Yes."))
	cfgPath := filepath.Join(dir, "travelbot.yaml")
	writeFile(t, cfgPath, "faq: faq.yaml\nhttp_addr: 127.0.0.1:0\nlog_format: json\nlog_level: debug\nwatch: false\nshutdown_timeout: 5s\n")
	const tgUser = 812345678
	const dcUser = "300000000000000002"
	env := map[string]string{
		"TRAVELBOT_TELEGRAM_TOKEN":    telegramtest.Token,
		"TRAVELBOT_TELEGRAM_API_BASE": tg.URL,
		"TRAVELBOT_DISCORD_TOKEN":     discordtest.Token,
		"TRAVELBOT_DISCORD_API_BASE":  dc.URL,
	}
	_, logs, stop := runServe(t, cfgPath, env)

	const blocked = "Forbidden: bot was blocked by the user"
	tg.Fail("sendMessage", telegramtest.Fault{Code: 403, Description: blocked})
	tg.Enqueue(telegramtest.PrivateText(tgUser, "Is tap water safe to drink in Milan?"))
	tgLine := logs.waitFor(t, questionLine("telegram"))
	// The failed delivery's warning, known by the fake's refusal in its err.
	if _, _, ok := logs.records.Wait(0, waitTimeout, func(m map[string]any) bool {
		err, _ := m["err"].(string)
		return m["level"] == "WARN" && m["adapter"] == "telegram" && strings.Contains(err, blocked)
	}); !ok {
		t.Fatalf("no warning with the fake's refusal (%q) in its err:\n%s", blocked, logs)
	}

	if !dc.WaitConnected(waitTimeout) {
		t.Fatal("discord adapter did not connect to the fake gateway")
	}
	if err := dc.Interact(dc.Command(dcUser, true, "ask", "question", "Is tap water safe to drink in Milan?")); err != nil {
		t.Fatal(err)
	}
	dcLine := logs.waitFor(t, questionLine("discord"))
	stop()

	for _, line := range []map[string]any{tgLine, dcLine} {
		if v, ok := line["user"]; ok {
			t.Errorf("the question line carries user=%v: %v", v, line)
		}
		if line["outcome"] != "answer" {
			t.Errorf("the question line %v, want outcome answer (the line is still written)", line)
		}
	}
	all := logs.String()
	tgID := strconv.Itoa(tgUser)
	for what, s := range map[string]string{
		"the Telegram user id": tgID,
		"the Discord user id":  dcUser,
		// a private chat's id is its user's: the chat's hash is theirs
		"the Telegram user's hash": pseudonym("telegram", tgID),
		"the Discord user's hash":  pseudonym("discord", dcUser),
	} {
		if strings.Contains(all, s) {
			t.Errorf("the log holds %s (%s):\n%s", what, s, all)
		}
	}
}
