//! `sportello`: command-line wiring. Clap definitions live here; each command's body is
//! in `commands/`, and only `main` maps outcomes to exit codes.

mod commands;

/// jemalloc hands memory freed after a burst back to the system (its background thread
/// purges pages unused for 5 s: `.cargo/config.toml` sets it at build time); glibc's
/// malloc keeps most of it.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sportello::staff_language::StaffLanguage;

/// Sportello: citizen-service chatbot. Staff tools and the bot itself.
#[derive(Parser)]
#[command(name = "sportello", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log lines for people (human) or for log collectors (json), on stderr.
    #[arg(long, global = true, env = "SPORTELLO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Validate dialogue files; exits 1 if any error is found.
    Check {
        /// Dialogue directory (default: ./dialogues, else the bundled dialogues).
        dir: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Talk to the bot in the terminal (offline and in memory unless --database-url).
    Chat(ChatArgs),
    /// Run the bot on Telegram, with sessions and content in PostgreSQL.
    Serve(Box<ServeArgs>),
    /// Run conversation tests and report state coverage; exits 1 on any failure.
    Test {
        /// Transcript directory (default: <dialogues>/tests).
        dir: Option<PathBuf>,
        /// Dialogue directory (default: the transcripts' parent, else ./dialogues).
        #[arg(long)]
        dialogues: Option<PathBuf>,
        /// A content file to use instead of the bundled demo content.
        #[arg(long)]
        content: Option<PathBuf>,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Measure how well the bot understands a set of citizen messages (a TSV file:
    /// message, target); exits 1 below --min-accuracy or above --max-confident-wrong.
    Eval {
        /// The set (`message<TAB>flow.state|faq:KEY|fallback`).
        file: PathBuf,
        /// Dialogue directory (default: ./dialogues, else the bundled dialogues).
        #[arg(long)]
        dialogues: Option<PathBuf>,
        /// A content file to use instead of the bundled demo content.
        #[arg(long)]
        content: Option<PathBuf>,
        /// The language of the citizens' sessions (default: the bot's).
        #[arg(long)]
        lang: Option<String>,
        /// Lowest share of right answers allowed, in percent.
        #[arg(long)]
        min_accuracy: Option<f64>,
        /// Most off-topic messages allowed a confident answer.
        #[arg(long)]
        max_confident_wrong: Option<usize>,
    },
    /// Show how the bot reads one message: corrections, synonyms, the words that
    /// weigh, the best candidates and the decision.
    Explain {
        /// The message, as a citizen would write it.
        message: String,
        /// Dialogue directory (default: ./dialogues, else the bundled dialogues).
        #[arg(long)]
        dialogues: Option<PathBuf>,
        /// A content file to use instead of the bundled demo content.
        #[arg(long)]
        content: Option<PathBuf>,
    },
    /// Print the flows as a picture: Mermaid or DOT text, an SVG, or an HTML page that
    /// opens in a browser with no network (`--format html > flows.html`).
    Graph {
        /// Dialogue directory (default: ./dialogues, else the bundled dialogues).
        dir: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
        /// Draw only this flow, with the states of other flows it touches and the
        /// commands and intents that lead into it.
        #[arg(long)]
        flow: Option<String>,
        #[command(flatten)]
        staff: StaffArgs,
    },
    /// Apply pending database migrations.
    Migrate(Database),
    /// Calendar, news and FAQ in the database.
    #[command(subcommand)]
    Content(ContentCommand),
    /// Write and list news.
    #[command(subcommand)]
    News(NewsCommand),
    /// A citizen's rights: see or delete everything stored about them.
    #[command(subcommand)]
    Citizen(CitizenCommand),
    /// Conversations citizens have with a person: list, read, close.
    #[command(subcommand)]
    Tickets(TicketsCommand),
    /// Who may sign in to the staff console at /console: add, list, remove, new password.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Send what the outbox holds (news to subscribers and channels: Telegram, and
    /// WhatsApp when `WHATSAPP_TOKEN` is set) until stopped.
    Relay(Box<RelayArgs>),
    /// Ask a running `serve` whether it is ready (for container health checks); exit 0
    /// when it is, 1 when not.
    Healthcheck {
        /// The listener `serve` uses.
        #[arg(long, env = "SPORTELLO_LISTEN", default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
    /// Open data about the service: aggregate figures as CSV with a DCAT-AP_IT
    /// catalogue, small counts withheld.
    #[command(subcommand)]
    Opendata(OpendataCommand),
    /// Citizen questions the bot did not understand, newest first.
    Unanswered {
        #[command(flatten)]
        db: Database,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Dialogue directory, for each message's best candidate (default: ./dialogues,
        /// else the bundled dialogues).
        #[arg(long)]
        dialogues: Option<PathBuf>,
    },
}

/// The language of a staff tool's own messages.
#[derive(Args, Clone, Copy)]
struct StaffArgs {
    /// Messages in Italian (it) or English (en); default: the locale's (LANG=it_IT…
    /// gives Italian), else English.
    #[arg(long = "lang", value_parser = parse_staff_language)]
    language: Option<StaffLanguage>,
}

fn parse_staff_language(code: &str) -> Result<StaffLanguage, String> {
    StaffLanguage::parse(code).ok_or_else(|| format!("`{code}`: write it or en"))
}

/// Where the database is.
#[derive(Args, Clone)]
struct Database {
    /// PostgreSQL URL.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
}

#[derive(Args)]
struct ChatArgs {
    /// Dialogue directory (default: ./dialogues, else the bundled dialogues).
    #[arg(long)]
    dialogues: Option<PathBuf>,
    /// The citizen's language.
    #[arg(long, default_value = "it")]
    lang: String,
    /// A content file to use instead of the bundled demo content (in memory only).
    #[arg(long, conflicts_with = "database_url")]
    content: Option<PathBuf>,
    /// Run on PostgreSQL (sessions, content, subscriptions) instead of in memory.
    /// Deliberately not read from DATABASE_URL: plain `chat` stays offline.
    #[arg(long)]
    database_url: Option<String>,
    /// The citizen's id in the database (channel `console`).
    #[arg(long, default_value = "local")]
    chat: String,
    /// Show each reply as this channel will display it.
    #[arg(long, value_enum, default_value_t = ChatChannel::Console)]
    channel: ChatChannel,
    #[command(flatten)]
    transcripts: TranscriptArgs,
}

/// Whose display `chat` shows replies as.
#[derive(Clone, Copy, ValueEnum)]
enum ChatChannel {
    /// The terminal's: text with numbered buttons.
    Console,
    /// Telegram's: messages split at 4096 characters, the inline keyboard under the last.
    Telegram,
    /// WhatsApp's: reply buttons (up to 3), a list (up to 10) or a numbered text menu,
    /// with titles shortened as WhatsApp requires.
    Whatsapp,
}

#[derive(Args)]
struct ServeArgs {
    /// Dialogue directory (default: ./dialogues, else the bundled dialogues).
    #[arg(long, env = "SPORTELLO_DIALOGUES")]
    dialogues: Option<PathBuf>,
    #[command(flatten)]
    db: Database,
    #[command(flatten)]
    telegram: TelegramArgs,
    /// Receive updates by webhook at this public HTTPS URL instead of long polling.
    #[arg(long, env = "TELEGRAM_WEBHOOK_URL")]
    telegram_webhook_url: Option<reqwest::Url>,
    /// The webhook's secret token (generated at start when unset).
    #[arg(long, env = "TELEGRAM_WEBHOOK_SECRET", hide_env_values = true)]
    telegram_webhook_secret: Option<String>,
    /// Seconds a citizen's reply may wait for the shared limit before they are told
    /// once that it is coming (0: never).
    #[arg(long, env = "TELEGRAM_ARRIVING_AFTER", default_value_t = 10)]
    telegram_arriving_after: u64,
    /// The Telegram supergroup (with topics) where staff answer citizens handed to a
    /// person, for queues whose `group:` is not set in sportello.yaml.
    #[arg(long, env = "SPORTELLO_STAFF_GROUP", allow_hyphen_values = true)]
    staff_group: Option<i64>,
    #[command(flatten)]
    whatsapp: WhatsAppArgs,
    /// Address of the HTTP listener (webhooks).
    #[arg(long, env = "SPORTELLO_LISTEN", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Turns processed at once across all chats.
    #[arg(long, env = "SPORTELLO_MAX_IN_FLIGHT", default_value_t = 64)]
    max_in_flight: usize,
    /// How dialogue changes are noticed: auto (file events, else polling), poll, off.
    #[arg(long, env = "SPORTELLO_WATCH", default_value = "auto")]
    watch: sportello::dialogue::watch::WatchMode,
    /// Bearer tokens for the admin API under /admin (comma-separated, at least 16
    /// characters each); none disables it.
    #[arg(long, env = "SPORTELLO_ADMIN_TOKENS", hide_env_values = true)]
    admin_tokens: Option<String>,
    /// Send the staff console's cookies only over HTTPS: `auto` does unless the
    /// listener is on loopback (a console tried on one's own machine over plain HTTP).
    #[arg(long, env = "SPORTELLO_CONSOLE_SECURE_COOKIES", value_enum, default_value_t = SecureCookies::Auto)]
    console_secure_cookies: SecureCookies,
    #[command(flatten)]
    channels: ChannelArgs,
    #[command(flatten)]
    transcripts: TranscriptArgs,
    #[command(flatten)]
    relay: RelaySettings,
    #[command(flatten)]
    opendata: OpendataArgs,
}

/// How the bot reaches Telegram's Bot API and how fast it may send.
#[derive(Args, Clone)]
struct TelegramArgs {
    /// The bot's token from @BotFather.
    #[arg(long, env = "TELEGRAM_BOT_TOKEN", hide_env_values = true)]
    telegram_token: String,
    /// The Bot API base URL (default Telegram's; a fake or local server in tests).
    #[arg(long, env = "TELEGRAM_API_URL")]
    telegram_api_url: Option<reqwest::Url>,
    /// Messages per second to Telegram overall (Telegram allows 30; up to 1,000 with
    /// paid broadcasts).
    #[arg(long, env = "TELEGRAM_RATE", default_value_t = 30)]
    telegram_rate: u32,
    /// Use Telegram's paid broadcasts (`allow_paid_broadcast`; costs Stars), needed
    /// for rates above 30 messages per second.
    #[arg(long, env = "TELEGRAM_PAID_BROADCAST", default_value_t = false, action = clap::ArgAction::Set)]
    telegram_paid_broadcast: bool,
}

/// The WhatsApp Cloud API; the channel runs when `WHATSAPP_TOKEN` is set.
#[derive(Args, Clone)]
struct WhatsAppArgs {
    /// The Cloud API access token.
    #[arg(long, env = "WHATSAPP_TOKEN", hide_env_values = true)]
    whatsapp_token: Option<String>,
    /// The sending phone number's id.
    #[arg(long, env = "WHATSAPP_PHONE_NUMBER_ID")]
    whatsapp_phone_number_id: Option<String>,
    /// The app secret that signs webhook posts.
    #[arg(long, env = "WHATSAPP_APP_SECRET", hide_env_values = true)]
    whatsapp_app_secret: Option<String>,
    /// The token Meta echoes in the webhook verification handshake.
    #[arg(long, env = "WHATSAPP_VERIFY_TOKEN", hide_env_values = true)]
    whatsapp_verify_token: Option<String>,
    /// The Graph API base URL with its version (default Meta's; a fake in tests).
    #[arg(long, env = "WHATSAPP_API_URL")]
    whatsapp_api_url: Option<reqwest::Url>,
    /// Approved templates for news outside the 24-hour window:
    /// `topic=template:lang,…`.
    #[arg(long, env = "WHATSAPP_NEWS_TEMPLATES")]
    whatsapp_news_templates: Option<String>,
    /// The approved template of staff answers outside the 24-hour window
    /// (`template:lang`; body parameters: the ticket's number, the answer).
    #[arg(long, env = "WHATSAPP_REPLY_TEMPLATE")]
    whatsapp_reply_template: Option<String>,
    /// The approved template of reminders outside the 24-hour window
    /// (`template:lang`; one body parameter: the reminder on one line).
    #[arg(long, env = "WHATSAPP_REMINDER_TEMPLATE")]
    whatsapp_reminder_template: Option<String>,
    /// News messages per second to WhatsApp (the Cloud API's default throughput is 80;
    /// at most 1,000 once Meta raises it). Telegram's pace is separate.
    #[arg(long, env = "WHATSAPP_RATE", default_value_t = 80)]
    whatsapp_rate: u32,
}

/// Where published news and consultations' results go besides subscribers.
#[derive(Args, Clone)]
struct ChannelArgs {
    /// Telegram channels or groups that get every published item (`@name` or id,
    /// comma-separated).
    #[arg(long, env = "TELEGRAM_CHANNELS", value_delimiter = ',')]
    telegram_channels: Vec<String>,
}

/// The relay worker that sends what the outbox holds.
#[derive(Args, Clone)]
struct RelayArgs {
    #[command(flatten)]
    db: Database,
    #[command(flatten)]
    channels: ChannelArgs,
    #[command(flatten)]
    telegram: TelegramArgs,
    #[command(flatten)]
    whatsapp: WhatsAppArgs,
    #[command(flatten)]
    relay: RelaySettings,
}

/// How the relay worker claims and sends.
#[derive(Args, Clone)]
struct RelaySettings {
    /// Outbox rows claimed at once.
    #[arg(long, env = "SPORTELLO_RELAY_BATCH", default_value_t = 200)]
    relay_batch: usize,
    /// Sends in flight at once.
    #[arg(long, env = "SPORTELLO_RELAY_CONCURRENCY", default_value_t = 64)]
    relay_concurrency: usize,
    /// Seconds a claimed row is held before another worker may take it (renewed while
    /// the worker lives).
    #[arg(long, env = "SPORTELLO_RELAY_LEASE", default_value_t = 60)]
    relay_lease: u64,
}

/// What is kept of conversations.
#[derive(Args, Clone)]
struct TranscriptArgs {
    /// Keep transcripts of conversations (for staff review).
    #[arg(long, env = "SPORTELLO_TRANSCRIPTS", default_value_t = true, action = clap::ArgAction::Set)]
    transcripts: bool,
    /// Days transcripts are kept before the periodic deletion.
    #[arg(long, env = "SPORTELLO_RETENTION_DAYS", default_value_t = 90)]
    retention_days: u32,
}

/// Who publishes the open data, under which licence, where, and how small a count may
/// be. `serve` publishes `/opendata/` only when the publisher and the base URL are set.
#[derive(Args, Clone, Default)]
struct OpendataArgs {
    /// The publisher's official name, as in the IPA index.
    #[arg(long, env = "SPORTELLO_OPENDATA_PUBLISHER_NAME")]
    opendata_publisher_name: Option<String>,
    /// The publisher's IPA code (e.g. `m_pi`); dataset identifiers are `CODE:sportello-…`.
    #[arg(long, env = "SPORTELLO_OPENDATA_PUBLISHER_ID")]
    opendata_publisher_id: Option<String>,
    /// The rights holder's name (default: the publisher's).
    #[arg(long, env = "SPORTELLO_OPENDATA_RIGHTS_HOLDER_NAME")]
    opendata_rights_holder_name: Option<String>,
    /// The rights holder's IPA code (default: the publisher's).
    #[arg(long, env = "SPORTELLO_OPENDATA_RIGHTS_HOLDER_ID")]
    opendata_rights_holder_id: Option<String>,
    /// The licence's URL (default: CC BY 4.0).
    #[arg(long, env = "SPORTELLO_OPENDATA_LICENSE")]
    opendata_license: Option<String>,
    /// The licence's name (default: CC BY 4.0's, else the URL).
    #[arg(long, env = "SPORTELLO_OPENDATA_LICENSE_NAME")]
    opendata_license_name: Option<String>,
    /// The public URL the files are served at (e.g. https://…/opendata/): the
    /// catalogue's access URLs are built on it.
    #[arg(long, env = "SPORTELLO_OPENDATA_BASE_URL")]
    opendata_base_url: Option<String>,
    /// Counts of fewer citizens than this are withheld (default 5, at least 2).
    #[arg(long, env = "SPORTELLO_OPENDATA_THRESHOLD")]
    opendata_threshold: Option<u64>,
    /// Days the daily datasets cover, up to yesterday (default 365).
    #[arg(long, env = "SPORTELLO_OPENDATA_DAYS")]
    opendata_days: Option<u32>,
    /// An e-mail address for questions about the data (the catalogue's contact point).
    #[arg(long, env = "SPORTELLO_OPENDATA_CONTACT_EMAIL")]
    opendata_contact_email: Option<String>,
}

#[derive(Subcommand)]
enum OpendataCommand {
    /// Write the CSV files, the DCAT-AP_IT catalogue (catalogo.jsonld) and an index
    /// page into DIR (created if missing), as `serve` publishes them at /opendata/.
    Export {
        /// Where to write the files.
        dir: PathBuf,
        /// Dialogue directory, for flow titles and topic names (default: ./dialogues,
        /// else the bundled dialogues).
        #[arg(long)]
        dialogues: Option<PathBuf>,
        #[command(flatten)]
        opendata: OpendataArgs,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Subcommand)]
enum ContentCommand {
    /// Import a YAML or CSV content file: all or nothing, upserted by key.
    Import {
        file: PathBuf,
        /// Dialogues whose categories and topics the content must use.
        #[arg(long)]
        dialogues: Option<PathBuf>,
        /// The file's events are the whole calendar: delete events it does not have
        /// (their reminders are cancelled and the citizens told once).
        #[arg(long)]
        replace_events: bool,
        #[command(flatten)]
        db: Database,
    },
    /// Print all content as YAML (the import format).
    Export {
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Subcommand)]
enum NewsCommand {
    /// Add a news item, published now.
    Add {
        #[arg(long)]
        title: String,
        #[arg(long)]
        body: String,
        /// A topic (repeat for several).
        #[arg(long = "topic", required = true)]
        topics: Vec<String>,
        #[arg(long)]
        link: Option<String>,
        /// When it stops being shown ("2027-07-31 23:59", Italian time).
        #[arg(long)]
        expires: Option<String>,
        #[arg(long)]
        author: Option<String>,
        /// Dialogues whose topics the news must use.
        #[arg(long)]
        dialogues: Option<PathBuf>,
        /// Publish it at once to subscribers and channels (see `news publish`).
        #[arg(long)]
        publish: bool,
        #[command(flatten)]
        channels: ChannelArgs,
        #[command(flatten)]
        db: Database,
    },
    /// Queue a news item for its subscribers and the channels; publishing again sends
    /// nothing twice. `sportello relay` (or `serve`) sends it.
    Publish {
        /// The item's key or id (see `news list`).
        id: String,
        /// When sending may start ("2027-06-18 08:00", Italian time; default now).
        #[arg(long)]
        at: Option<String>,
        /// Show a progress bar until every delivery is done.
        #[arg(long)]
        wait: bool,
        /// Dialogues with the `news` message template.
        #[arg(long)]
        dialogues: Option<PathBuf>,
        #[command(flatten)]
        channels: ChannelArgs,
        #[command(flatten)]
        db: Database,
    },
    /// Deliveries of a news item: queued, sent, failed, blocked, the rate and an ETA.
    Status {
        /// The item's key or id.
        id: String,
        #[command(flatten)]
        db: Database,
    },
    /// List news, newest first.
    List {
        #[arg(long, default_value_t = 20)]
        limit: i64,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Subcommand)]
enum CitizenCommand {
    /// Delete everything stored about a citizen, in one transaction, and print a receipt.
    Erase {
        #[command(flatten)]
        who: Citizen,
        #[command(flatten)]
        db: Database,
    },
    /// Print everything stored about a citizen as JSON.
    Export {
        #[command(flatten)]
        who: Citizen,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Subcommand)]
enum TicketsCommand {
    /// The open tickets (or all), newest first: number, queue, status, channel.
    List {
        /// Closed ones too.
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[command(flatten)]
        db: Database,
    },
    /// One ticket with its messages.
    Show {
        /// The ticket's number.
        id: i64,
        #[command(flatten)]
        db: Database,
    },
    /// Close a ticket: the citizen is told and the bot answers them again.
    Close {
        /// The ticket's number.
        id: i64,
        #[command(flatten)]
        db: Database,
        /// Dialogue directory, for the text the citizen gets (default: ./dialogues,
        /// else the bundled dialogues).
        #[arg(long)]
        dialogues: Option<PathBuf>,
    },
}

#[derive(Args)]
struct Citizen {
    /// The channel: telegram, whatsapp or console.
    #[arg(long)]
    channel: String,
    /// The chat id on that channel.
    #[arg(long)]
    chat: String,
}

/// `sportello staff …`. Passwords are asked for without echo, or read from the first
/// line of standard input when it is not a terminal.
#[derive(Subcommand)]
enum StaffCommand {
    /// Add an account (the first one should be an admin).
    Add {
        /// What they sign in with: lowercase letters, digits, dots, dashes.
        username: String,
        /// The name the console shows (default: the username).
        #[arg(long, default_value = "")]
        name: String,
        /// `editor` (news, inbox, content) or `admin` (also accounts and the audit log).
        #[arg(long, default_value = "editor")]
        role: String,
        #[command(flatten)]
        db: Database,
    },
    /// List the accounts.
    List {
        #[command(flatten)]
        db: Database,
    },
    /// Remove an account (never the last admin); its sessions end.
    Remove {
        username: String,
        #[command(flatten)]
        db: Database,
    },
    /// Set a new password.
    ResetPassword {
        username: String,
        #[command(flatten)]
        db: Database,
    },
}

/// Whether the console's cookies are for HTTPS only.
#[derive(Clone, Copy, ValueEnum)]
enum SecureCookies {
    /// HTTPS only, unless the listener is on loopback.
    Auto,
    True,
    False,
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    /// Mermaid flowchart text (GitHub and many editors draw it).
    Mermaid,
    /// Graphviz DOT, for `dot -Tsvg`.
    Dot,
    /// An SVG image.
    Svg,
    /// One self-contained HTML page with the picture.
    Html,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A running bot reports what it does; staff commands only warn.
    let default_filter = match cli.command {
        Command::Serve(_) => "info",
        _ => "warn",
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Human => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            let label = StaffLanguage::current().pick("error", "errore");
            eprintln!("{label}: {err:#}");
            ExitCode::FAILURE
        }
    }
}
