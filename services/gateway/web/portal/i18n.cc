#include "services/gateway/web/portal/i18n.h"

#include <unicode/datefmt.h>
#include <unicode/localematcher.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <array>
#include <cstdlib>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace rcp::gateway::web::portal {

namespace {

// The catalogue: every key in English, French and Spanish, in the order of
// InterfaceLanguages().
using Words = std::array<const char*, 3>;
const std::map<std::string, Words, std::less<>>& Catalogue() {
  static const auto* const catalogue = new std::map<std::string, Words, std::less<>>{
      {"site.title", {"RCP Exchange", "RCP Exchange", "RCP Exchange"}},
      {"site.tagline",
       {"Regional Consultative Processes on migration: their members, meetings and documents",
        "Processus consultatifs régionaux sur la migration : leurs membres, réunions et documents",
        "Procesos consultivos regionales sobre migración: sus miembros, reuniones y documentos"}},
      {"nav.skip", {"Skip to content", "Aller au contenu", "Ir al contenido"}},
      {"nav.home", {"Home", "Accueil", "Inicio"}},
      {"nav.calendar", {"Calendar", "Calendrier", "Calendario"}},
      {"nav.main", {"Main", "Principal", "Principal"}},
      {"nav.language", {"Language", "Langue", "Idioma"}},
      {"home.processes", {"Processes", "Processus", "Procesos"}},
      {"home.next_meetings", {"Next meetings", "Prochaines réunions", "Próximas reuniones"}},
      {"home.all_meetings", {"All meetings", "Toutes les réunions", "Todas las reuniones"}},
      {"process.region", {"Region", "Région", "Región"}},
      {"process.established", {"Established", "Créé en", "Establecido en"}},
      {"process.chair", {"Chair", "Présidence", "Presidencia"}},
      {"calendar.title", {"Calendar", "Calendrier", "Calendario"}},
      {"calendar.filter", {"Filter", "Filtrer", "Filtrar"}},
      {"calendar.process", {"Process", "Processus", "Proceso"}},
      {"calendar.kind", {"Kind", "Type", "Tipo"}},
      {"calendar.status", {"Status", "Statut", "Estado"}},
      {"calendar.any", {"Any", "Tous", "Todos"}},
      {"calendar.apply", {"Show", "Afficher", "Mostrar"}},
      {"calendar.none", {"No meetings match.", "Aucune réunion ne correspond.", "Ninguna reunión coincide."}},
      {"calendar.next_page", {"Later meetings", "Réunions suivantes", "Reuniones posteriores"}},
      {"calendar.when", {"When", "Quand", "Cuándo"}},
      {"calendar.meeting", {"Meeting", "Réunion", "Reunión"}},
      {"meeting.when", {"When", "Quand", "Cuándo"}},
      {"meeting.time_zone", {"Time zone", "Fuseau horaire", "Huso horario"}},
      {"meeting.venue", {"Venue", "Lieu", "Lugar"}},
      {"meeting.host", {"Host", "Hôte", "Anfitrión"}},
      {"meeting.chair", {"Chair", "Présidence", "Presidencia"}},
      {"meeting.processes", {"Processes", "Processus", "Procesos"}},
      {"meeting.status", {"Status", "Statut", "Estado"}},
      {"meeting.kind", {"Kind", "Type", "Tipo"}},
      {"meeting.description", {"About", "Présentation", "Descripción"}},
      {"meeting.agenda", {"Agenda", "Ordre du jour", "Programa"}},
      {"meeting.documents", {"Documents", "Documents", "Documentos"}},
      {"meeting.dates_tba",
       {"New dates to be announced", "Nouvelles dates à annoncer", "Nuevas fechas por anunciar"}},
      {"meeting.cancel_reason", {"Reason", "Motif", "Motivo"}},
      {"meeting.to", {"to", "au", "al"}},
      {"document.download", {"Download", "Télécharger", "Descargar"}},
      {"document.symbol", {"Symbol", "Cote", "Signatura"}},
      {"not_found.title", {"Page not found", "Page introuvable", "Página no encontrada"}},
      {"not_found.body",
       {"There is no such page, or you may not see it.", "Cette page n’existe pas, ou vous ne pouvez pas la voir.",
        "Esta página no existe, o usted no puede verla."}},
      {"language.name", {"English", "Français", "Español"}},
      {"unavailable.title",
       {"Temporarily unavailable", "Momentanément indisponible", "No disponible por el momento"}},
      {"unavailable.body",
       {"This page cannot be shown just now. Please try again in a moment.",
        "Cette page ne peut pas être affichée pour l’instant. Veuillez réessayer dans un moment.",
        "Esta página no puede mostrarse ahora. Vuelva a intentarlo en un momento."}},
      {"nav.documents", {"Documents", "Documents", "Documentos"}},
      {"process.themes", {"Themes", "Thèmes", "Temas"}},
      {"process.secretariat", {"Secretariat", "Secrétariat", "Secretaría"}},
      {"process.members", {"Members and observers", "Membres et observateurs", "Miembros y observadores"}},
      {"process.party", {"Party", "Partie", "Parte"}},
      {"process.role", {"Role", "Rôle", "Función"}},
      {"process.since", {"Since", "Depuis", "Desde"}},
      {"process.chair_history", {"Chairs", "Présidences", "Presidencias"}},
      {"process.upcoming", {"Upcoming meetings", "Réunions à venir", "Próximas reuniones"}},
      {"process.past", {"Past meetings", "Réunions passées", "Reuniones anteriores"}},
      {"process.latest_documents", {"Latest documents", "Derniers documents", "Últimos documentos"}},
      {"role.SECRETARIAT", {"Secretariat", "Secrétariat", "Secretaría"}},
      {"role.MEMBER", {"Member", "Membre", "Miembro"}},
      {"role.OBSERVER", {"Observer", "Observateur", "Observador"}},
      {"documents.title", {"Document library", "Bibliothèque de documents", "Biblioteca de documentos"}},
      {"documents.search", {"Symbol or title", "Cote ou titre", "Signatura o título"}},
      {"documents.language", {"Language", "Langue", "Idioma"}},
      {"documents.none", {"No documents match.", "Aucun document ne correspond.", "Ningún documento coincide."}},
      {"documents.next_page", {"More documents", "Plus de documents", "Más documentos"}},
      {"document.kind", {"Kind", "Type", "Tipo"}},
      {"document.process", {"Process", "Processus", "Proceso"}},
      {"document.meeting", {"Meeting", "Réunion", "Reunión"}},
      {"document.languages", {"Languages", "Langues", "Idiomas"}},
      {"document.versions", {"Content versions", "Versions du contenu", "Versiones del contenido"}},
      {"document.version", {"Version", "Version", "Versión"}},
      {"document.size", {"Size", "Taille", "Tamaño"}},
      {"document.sha256", {"SHA-256", "SHA-256", "SHA-256"}},
      {"document.date", {"Uploaded", "Déposé le", "Subido el"}},
      {"document.original", {"Revises or corrects", "Révise ou corrige", "Revisa o corrige"}},
      {"document.revisions", {"Revisions and corrigenda", "Révisions et rectificatifs", "Revisiones y correcciones"}},
      {"dockind.DECLARATION", {"Declaration", "Déclaration", "Declaración"}},
      {"dockind.RECOMMENDATION", {"Recommendation", "Recommandation", "Recomendación"}},
      {"dockind.PLAN_OF_ACTION", {"Plan of action", "Plan d’action", "Plan de acción"}},
      {"dockind.GUIDELINES", {"Guidelines", "Lignes directrices", "Directrices"}},
      {"dockind.MODEL_LEGISLATION", {"Model legislation", "Législation type", "Legislación modelo"}},
      {"dockind.REPORT", {"Report", "Rapport", "Informe"}},
      {"dockind.BACKGROUND_PAPER", {"Background paper", "Document de référence", "Documento de antecedentes"}},
      {"dockind.PRESENTATION", {"Presentation", "Présentation", "Presentación"}},
      {"dockind.STATISTICS", {"Statistics", "Statistiques", "Estadísticas"}},
      {"status.PLANNED", {"Planned", "Prévue", "Prevista"}},
      {"status.CONFIRMED", {"Confirmed", "Confirmée", "Confirmada"}},
      {"status.POSTPONED", {"Postponed", "Reportée", "Aplazada"}},
      {"status.CANCELLED", {"Cancelled", "Annulée", "Cancelada"}},
      {"status.HELD", {"Held", "Tenue", "Celebrada"}},
      {"kind.MINISTERIAL_CONFERENCE", {"Ministerial conference", "Conférence ministérielle", "Conferencia ministerial"}},
      {"kind.SENIOR_OFFICIALS_MEETING",
       {"Senior officials’ meeting", "Réunion de hauts fonctionnaires", "Reunión de altos funcionarios"}},
      {"kind.TECHNICAL_WORKSHOP", {"Technical workshop", "Atelier technique", "Taller técnico"}},
      {"kind.WORKING_GROUP", {"Working group", "Groupe de travail", "Grupo de trabajo"}},
      {"kind.SIDE_MEETING", {"Side meeting", "Réunion parallèle", "Reunión paralela"}},
      {"kind.INTER_RCP_MEETING", {"Inter-RCP meeting", "Réunion inter-PCR", "Reunión inter-PCR"}},
      {"nav.account", {"Your session", "Votre session", "Su sesión"}},
      {"account.sign_in", {"Sign in", "Se connecter", "Iniciar sesión"}},
      {"account.sign_out", {"Sign out", "Se déconnecter", "Cerrar sesión"}},
      {"account.sign_out_everywhere",
       {"Sign out everywhere", "Se déconnecter partout", "Cerrar sesión en todas partes"}},
      {"account.everywhere_help",
       {"Ends every session of this key, in every browser.",
        "Met fin à toutes les sessions de cette clé, dans tous les navigateurs.",
        "Termina todas las sesiones de esta clave, en todos los navegadores."}},
      {"account.signed_in_as", {"Signed in as", "Connecté en tant que", "Sesión iniciada como"}},
      {"account.title", {"Your session", "Votre session", "Su sesión"}},
      {"account.key", {"Key", "Clé", "Clave"}},
      {"account.party", {"Party", "Partie", "Parte"}},
      {"account.rights", {"Rights", "Droits", "Derechos"}},
      {"account.no_rights",
       {"No rights in any process: only what the key’s party may see.",
        "Aucun droit dans un processus : seulement ce que la partie de la clé peut voir.",
        "Ningún derecho en un proceso: solo lo que la parte de la clave puede ver."}},
      {"account.access", {"Access", "Accès", "Acceso"}},
      {"account.read_only",
       {"Read only. To change anything, use rcpctl or the API with your key.",
        "Lecture seule. Pour modifier quoi que ce soit, utilisez rcpctl ou l’API avec votre clé.",
        "Solo lectura. Para cambiar algo, use rcpctl o la API con su clave."}},
      {"account.idle", {"Ends after this long unused", "Prend fin après cette durée sans usage",
                        "Termina tras este tiempo sin uso"}},
      {"account.max", {"Ends at the latest after", "Prend fin au plus tard après", "Termina a más tardar tras"}},
      {"sign_in.title", {"Sign in", "Connexion", "Inicio de sesión"}},
      {"sign_in.key", {"API key", "Clé d’API", "Clave de API"}},
      {"sign_in.help",
       {"Paste the API key your secretariat gave you (it begins with rcp_). The portal only reads with it: it "
        "shows what the key may see, and changes nothing.",
        "Collez la clé d’API que votre secrétariat vous a remise (elle commence par rcp_). Le portail ne fait "
        "que lire avec elle : il montre ce que la clé peut voir, et ne modifie rien.",
        "Pegue la clave de API que le dio su secretaría (empieza por rcp_). El portal solo lee con ella: muestra "
        "lo que la clave puede ver y no cambia nada."}},
      {"sign_in.submit", {"Sign in", "Se connecter", "Iniciar sesión"}},
      {"sign_in.refused",
       {"That key was not accepted. Check it, or ask your secretariat for a new one.",
        "Cette clé n’a pas été acceptée. Vérifiez-la, ou demandez-en une nouvelle à votre secrétariat.",
        "Esa clave no fue aceptada. Revísela o pida una nueva a su secretaría."}},
      {"sign_in.ended",
       {"Your session has ended. Sign in again to see more than public items.",
        "Votre session a pris fin. Reconnectez-vous pour voir plus que les éléments publics.",
        "Su sesión ha terminado. Inicie sesión de nuevo para ver más que los elementos públicos."}},
      {"forbidden.title", {"Request refused", "Demande refusée", "Solicitud rechazada"}},
      {"forbidden.body",
       {"This form must be sent from a page of this site. Reload the page and try again.",
        "Ce formulaire doit être envoyé depuis une page de ce site. Rechargez la page et réessayez.",
        "Este formulario debe enviarse desde una página de este sitio. Vuelva a cargar la página e inténtelo de "
        "nuevo."}},
  };
  return *catalogue;
}

int IndexOf(absl::string_view language) {
  const auto& languages = InterfaceLanguages();
  for (size_t i = 0; i < languages.size(); ++i) {
    if (languages[i] == language) return static_cast<int>(i);
  }
  return 0;
}

UDate ToUDate(const google::protobuf::Timestamp& t) {
  return static_cast<UDate>(t.seconds()) * 1000.0 + static_cast<UDate>(t.nanos() / 1000000);
}

std::string Utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

std::unique_ptr<icu::TimeZone> ZoneOf(absl::string_view time_zone) {
  return std::unique_ptr<icu::TimeZone>(
      icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(icu::StringPiece(time_zone.data(),
                                                                                  static_cast<int32_t>(time_zone.size())))));
}

std::string Format(icu::DateFormat* format, absl::string_view time_zone, UDate when) {
  if (format == nullptr) return "";
  format->adoptTimeZone(ZoneOf(time_zone).release());
  icu::UnicodeString out;
  format->format(when, out);
  return Utf8(out);
}

}  // namespace

const std::vector<std::string>& InterfaceLanguages() {
  static const auto* const languages = new std::vector<std::string>{"en", "fr", "es"};
  return *languages;
}

bool IsInterfaceLanguage(absl::string_view tag) {
  for (const auto& l : InterfaceLanguages()) {
    if (l == tag) return true;
  }
  return false;
}

std::string NegotiateLanguage(absl::string_view accept_language) {
  if (accept_language.empty()) return InterfaceLanguages()[0];
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale fallback(InterfaceLanguages()[0].c_str());
  icu::LocaleMatcher::Builder builder;
  for (const auto& l : InterfaceLanguages()) builder.addSupportedLocale(icu::Locale(l.c_str()));
  builder.setDefaultLocale(&fallback);
  icu::LocaleMatcher matcher = builder.build(status);
  if (U_FAILURE(status)) return InterfaceLanguages()[0];
  const icu::Locale* best = matcher.getBestMatchForListString(
      icu::StringPiece(accept_language.data(), static_cast<int32_t>(accept_language.size())), status);
  if (U_FAILURE(status) || best == nullptr || !IsInterfaceLanguage(best->getLanguage())) {
    return InterfaceLanguages()[0];
  }
  return best->getLanguage();
}

std::string Text(absl::string_view language, absl::string_view key) {
  auto it = Catalogue().find(key);
  if (it == Catalogue().end()) return std::string(key);
  return it->second[IndexOf(language)];
}

std::vector<std::string> TextKeys() {
  std::vector<std::string> keys;
  for (const auto& [k, words] : Catalogue()) keys.push_back(k);
  return keys;
}

std::string FormatDateTime(absl::string_view language, const google::protobuf::Timestamp& time,
                           absl::string_view time_zone) {
  std::unique_ptr<icu::DateFormat> format(icu::DateFormat::createDateTimeInstance(
      icu::DateFormat::kFull, icu::DateFormat::kShort, icu::Locale(std::string(language).c_str())));
  return Format(format.get(), time_zone, ToUDate(time));
}

std::string FormatTime(absl::string_view language, const google::protobuf::Timestamp& time,
                       absl::string_view time_zone) {
  std::unique_ptr<icu::DateFormat> format(
      icu::DateFormat::createTimeInstance(icu::DateFormat::kShort, icu::Locale(std::string(language).c_str())));
  return Format(format.get(), time_zone, ToUDate(time));
}

std::string FormatDate(absl::string_view language, const rcp::common::v1::Date& date) {
  std::unique_ptr<icu::DateFormat> format(
      icu::DateFormat::createDateInstance(icu::DateFormat::kFull, icu::Locale(std::string(language).c_str())));
  // Noon UTC of the day, written in UTC: the calendar date itself.
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Calendar> calendar(icu::Calendar::createInstance(*icu::TimeZone::getGMT(), status));
  if (U_FAILURE(status)) return "";
  calendar->clear();
  calendar->set(date.year(), date.month() - 1, date.day(), 12, 0, 0);
  UDate when = calendar->getTime(status);
  if (U_FAILURE(status)) return "";
  return Format(format.get(), "UTC", when);
}

std::string ZoneAndOffset(const google::protobuf::Timestamp& time, absl::string_view time_zone) {
  std::unique_ptr<icu::TimeZone> zone = ZoneOf(time_zone);
  int32_t raw = 0;
  int32_t dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  zone->getOffset(ToUDate(time), /*local=*/false, raw, dst, status);
  if (U_FAILURE(status)) return std::string(time_zone);
  const int32_t minutes = (raw + dst) / 60000;
  return absl::StrFormat("%s, UTC%c%02d:%02d", time_zone, minutes < 0 ? '-' : '+', std::abs(minutes) / 60,
                         std::abs(minutes) % 60);
}

}  // namespace rcp::gateway::web::portal
